{#-
    A count per month (30.44 days) of a span in days, the span counted as at least
    one day: count / (greatest(days, 1) / 30.44), a double.
-#}
{% macro per_month(count, days) -%}
    cast({{ count }} as double) / (greatest({{ days }}, 1) / 30.44)
{%- endmacro %}
