{#-
    A Parquet file (or a glob of files) as a relation to select from. Dispatched:
    DuckDB `read_parquet('path')`, Spark parquet.`path`.
-#}
{% macro parquet_relation(path) %}
    {{ return(adapter.dispatch('parquet_relation', 'customer_segmentation')(path)) }}
{% endmacro %}

{% macro default__parquet_relation(path) -%}
    parquet.`{{ path }}`
{%- endmacro %}

{% macro duckdb__parquet_relation(path) -%}
    read_parquet('{{ path }}')
{%- endmacro %}
