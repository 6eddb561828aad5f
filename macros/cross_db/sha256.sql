{#- Lower-case hex SHA-256 of a string expression. -#}
{% macro sha256(expression) %}
    {{ return(adapter.dispatch('sha256', 'customer_segmentation')(expression)) }}
{% endmacro %}

{% macro default__sha256(expression) -%}
    sha2({{ expression }}, 256)
{%- endmacro %}

{% macro duckdb__sha256(expression) -%}
    sha256({{ expression }})
{%- endmacro %}
