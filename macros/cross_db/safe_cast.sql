{#
    dbt.safe_cast renders a plain cast on DuckDB, which raises on a bad value, and on
    Spark a plain cast that gives null only while ANSI mode is off (dbt-spark turns it
    off; Spark 4 and Databricks have it on by default). The project means "null when
    the value does not fit" on every engine, so both get try_cast, which Spark 3.2+,
    Databricks and DuckDB all have. dbt.safe_cast dispatches here (root project first).
#}
{% macro duckdb__safe_cast(field, type) %}
    try_cast({{ field }} as {{ type }})
{% endmacro %}

{% macro spark__safe_cast(field, type) %}
    try_cast({{ field }} as {{ type }})
{% endmacro %}
