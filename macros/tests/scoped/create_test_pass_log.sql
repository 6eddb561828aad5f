{% macro create_test_pass_log(relation) %}
    {{ return(adapter.dispatch('create_test_pass_log', 'customer_segmentation')(relation)) }}
{% endmacro %}

{% macro default__create_test_pass_log(relation) -%}
    create table if not exists {{ relation }} (
        test_id {{ dbt.type_string() }},
        test_fingerprint {{ dbt.type_string() }},
        write_batch {{ dbt.type_int() }}
    )
{%- endmacro %}

{#- Spark: a Parquet table (CREATE TABLE without USING makes a Hive table) -#}
{% macro spark__create_test_pass_log(relation) -%}
    {{ default__create_test_pass_log(relation) }} using parquet
{%- endmacro %}
