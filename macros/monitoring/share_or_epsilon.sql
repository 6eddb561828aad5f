{#-
    A bin's (or category's) share of its period: count / total, or `epsilon` when the
    count is 0 (ln(0) is undefined). Shared by distribution_drift and categorical_drift.
-#}
{% macro share_or_epsilon(count, total, epsilon) -%}
    case
        when {{ count }} = 0 then {{ epsilon }}
        else cast({{ count }} as double) / {{ total }}
    end
{%- endmacro %}
