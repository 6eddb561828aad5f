{#- The table on-run-end appends passed tests to, in the target schema. -#}
{% macro test_pass_log_relation() %}
    {#- Spark's target has no database -#}
    {%- set database = target.database if target.database is defined else none -%}
    {{ return(api.Relation.create(database=database, schema=target.schema, identifier='test_pass_log')) }}
{% endmacro %}
