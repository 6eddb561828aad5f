{#-
    sqrt(x) for x >= 0, mirrored for negative x (-sqrt(|x|)). Milder than log1p: for
    day counts it spreads recent values less and keeps long gaps apart.
-#}
{% macro signed_sqrt(expression) -%}
    sign(cast({{ expression }} as double)) * sqrt(abs(cast({{ expression }} as double)))
{%- endmacro %}
