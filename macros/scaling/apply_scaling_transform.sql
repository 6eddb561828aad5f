{#-
    The transform named by a column (transform_name) applied to an expression:
    log1p (the macro log1p), sqrt (the macro signed_sqrt) or none. Names are checked
    by the macro scaled_features.
-#}
{% macro apply_scaling_transform(expression, transform_name) -%}
    case
        when {{ transform_name }} = 'log1p' then {{ log1p(expression) }}
        when {{ transform_name }} = 'sqrt' then {{ signed_sqrt(expression) }}
        else cast({{ expression }} as double)
    end
{%- endmacro %}
