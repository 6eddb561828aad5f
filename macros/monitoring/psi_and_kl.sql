{#-
    The aggregates psi = sum (current - baseline) ln(current / baseline) and
    kl_divergence = sum current ln(current / baseline) over rows holding both shares, as
    exact decimal sums (row-order independent). Shared by distribution_drift and
    categorical_drift.
-#}
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
