{#
    dbt.safe_cast renders a plain cast on DuckDB, which raises on a bad value.
    The project means "null when the value does not fit", as on Spark, Snowflake
    and BigQuery, so DuckDB gets try_cast. dbt.safe_cast dispatches here.
#}
{% macro duckdb__safe_cast(field, type) %}
    try_cast({{ field }} as {{ type }})
{% endmacro %}
