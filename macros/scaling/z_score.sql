{#-
    Standard score (x - mean) / std with the population std (ddof 0, as scikit-learn's
    StandardScaler); 0 when the std is 0 (a constant column carries no information).
-#}
{% macro z_score(expression, mean, std) -%}
    case
        when {{ std }} > 0 then (cast({{ expression }} as double) - {{ mean }}) / {{ std }}
        else 0.0
    end
{%- endmacro %}
