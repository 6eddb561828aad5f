{#-
    (x - min) / (max - min), in [0, 1] for values inside the fitted range (new
    customers outside it fall outside [0, 1]; winsorize first to avoid that);
    0 when max = min.
-#}
{% macro min_max_scale(expression, min_value, max_value) -%}
    case
        when {{ max_value }} > {{ min_value }}
            then (cast({{ expression }} as double) - {{ min_value }}) / ({{ max_value }} - {{ min_value }})
        else 0.0
    end
{%- endmacro %}
