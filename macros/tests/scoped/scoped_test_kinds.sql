{#- The kinds of generic tests that are scoped; the rest always check every row. -#}
{% macro scoped_test_kinds() %}
    {{ return(['unique', 'unique_combination_of_columns', 'not_null', 'accepted_values']) }}
{% endmacro %}
