{#-
    The sum of a double expression, the same to the last bit in any row order: each
    value is rounded to a multiple of 1e-12 and the integers are summed (a sum of
    doubles depends on the order rows reach the aggregate, which parallel engines
    do not fix). For values of magnitude below about 9e6 per row in total; divide by
    count(...) for an average.
-#}
{% macro fixed_point_sum(expression) -%}
    {{ fixed_point_value('sum(' ~ fixed_point_units(expression) ~ ')') }}
{%- endmacro %}

{#- A double as an integer of 1e-12 units (fixed_point_sum sums these). -#}
{% macro fixed_point_units(expression) -%}
    cast(round(({{ expression }}) * 1e12) as bigint)
{%- endmacro %}

{#- An integer of 1e-12 units back as a double. -#}
{% macro fixed_point_value(units) -%}
    (({{ units }}) / 1e12)
{%- endmacro %}
