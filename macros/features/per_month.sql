{#-
    A count per month (30.44 days) of a span in days, the span counted as at least
    one day: count / (greatest(days, 1) / 30.44), a double (cast before dividing:
    Spark reads 30.44 as a decimal and would round an integer / decimal quotient).
-#}
{% macro per_month(count, days) -%}
    cast({{ count }} as double) / (cast(greatest({{ days }}, 1) as double) / 30.44)
{%- endmacro %}
