{#-
    ln(1 + x) for x >= 0, mirrored for negative x (-ln(1 + |x|)), so it is defined for
    net revenue below zero and keeps the order of values. Compresses long right tails
    (order counts, revenue) before z-scoring.
-#}
{% macro log1p(expression) -%}
    sign(cast({{ expression }} as double)) * ln(1.0 + abs(cast({{ expression }} as double)))
{%- endmacro %}
