{#-
    Pieces shared by distribution_drift and categorical_drift.
    share_or_epsilon: a bin's (category's) share of a period, `epsilon` when empty
    (ln(0) is undefined).
    psi_and_kl: the aggregates psi = sum (current - baseline) ln(current / baseline) and
    kl_divergence = sum current ln(current / baseline), over rows holding both shares;
    exact decimal sums, so the result does not depend on row order.
-#}
{% macro share_or_epsilon(count, total, epsilon) -%}
    case
        when {{ count }} = 0 then {{ epsilon }}
        else cast({{ count }} as double) / {{ total }}
    end
{%- endmacro %}

{% macro psi_and_kl(current_share='current_share', baseline_share='baseline_share') -%}
    cast(
        sum(
            cast(
                ({{ current_share }} - {{ baseline_share }})
                * ln({{ current_share }} / {{ baseline_share }})
                as decimal(38, 18)
            )
        ) as double
    ) as psi,
    cast(
        sum(
            cast(
                {{ current_share }} * ln({{ current_share }} / {{ baseline_share }})
                as decimal(38, 18)
            )
        ) as double
    ) as kl_divergence
{%- endmacro %}
