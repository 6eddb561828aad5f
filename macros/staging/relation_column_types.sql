{#- A relation's columns as {lower-case name: upper-case type}; empty if it does not exist. -#}
{% macro relation_column_types(relation) %}
    {% set types = {} %}
    {% for column in adapter.get_columns_in_relation(relation) %}
        {% do types.update({column.name | lower: column.data_type | upper}) %}
    {% endfor %}
    {{ return(types) }}
{% endmacro %}
