{#-
    Clip an expression to [lower_bound, upper_bound], usually two percentiles of the
    same column (customer_scaling_parameters keeps p01 and p99), so a few extreme
    customers cannot stretch the scale of everyone else. Null stays null.
-#}
{% macro winsorize(expression, lower_bound, upper_bound) -%}
    least(greatest(cast({{ expression }} as double), {{ lower_bound }}), {{ upper_bound }})
{%- endmacro %}
