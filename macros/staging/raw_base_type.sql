{#- The family of a raw type (DECIMAL(18,2) -> DECIMAL), or none. -#}
{% macro raw_base_type(data_type) %}
    {{ return(data_type.split('(')[0].split(' ')[0].split('_')[0]) }}
{% endmacro %}
