{% macro boolean_var(name) %}
    {#- A true/false var: a YAML bool, or the strings "true"/"false" from the command
        line (as segmentation.training.boolean_var reads it in the Python models). -#}
    {%- set value = var(name) -%}
    {%- if value is sameas true or value is sameas false -%}
        {{ return(value) }}
    {%- elif value is string and value | trim | lower in ['true', 'false'] -%}
        {{ return(value | trim | lower == 'true') }}
    {%- endif -%}
    {{ exceptions.raise_compiler_error(
        "var " ~ name ~ " must be true or false, got " ~ value | string
    ) }}
{% endmacro %}
