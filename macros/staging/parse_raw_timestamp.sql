{#
    A raw timestamp as a UTC `timestamp`, null when it does not parse. Typed columns
    (Parquet) are taken as they are. Text (CSV) is parsed value by value: a value with
    a UTC offset (`2026-01-05T10:00:00+02:00`, `...Z`) is converted to UTC, one without
    is read as UTC. Dispatched: DuckDB's plain cast would drop an offset, so text with
    one is parsed as `timestamptz` (the offset is in the value, so the session's time
    zone plays no part); `typeof` is a constant, so typed columns skip the test. Spark
    parses offsets itself (session time zone UTC, profiles.yml).
#}
{% macro parse_raw_timestamp(column) %}
    {{ return(adapter.dispatch('parse_raw_timestamp', 'customer_segmentation')(column)) }}
{% endmacro %}

{% macro default__parse_raw_timestamp(column) -%}
    {{ dbt.safe_cast(column, 'timestamp') }}
{%- endmacro %}

{% macro duckdb__parse_raw_timestamp(column) -%}
    case
        when
            typeof({{ column }}) = 'VARCHAR'
            and regexp_matches(
                cast({{ column }} as varchar), '([+-][0-9][0-9](:?[0-9][0-9])?|Z)$'
            )
            then timezone('UTC', try_cast({{ column }} as timestamptz))
        else try_cast({{ column }} as timestamp)
    end
{%- endmacro %}
