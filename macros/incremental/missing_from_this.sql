{#- True for the rows that join_stored_keys found no stored row for. -#}
{% macro missing_from_this() -%}
    stored_keys.is_stored is null
{%- endmacro %}
