{#
    True when any of the raw `columns` holds a value that does not parse as `type`
    (parse_raw_timestamp for timestamps, else dbt.safe_cast, gives null for it). Raw CSV files are read as text, so their
    timestamps, amounts and flags are parsed row by row in the base models, and a row
    with a value that does not parse is quarantined instead of failing the build.
    On typed (Parquet) columns the test is always false.
#}
{% macro unparsed_raw_values(columns, type) -%}
    (
        {%- for column in columns %}
            (
                {{ column }} is not null
                and {{ parse_raw_timestamp(column) if type == 'timestamp' else dbt.safe_cast(column, type) }}
                is null
            )
            {%- if not loop.last %} or{% endif %}
        {%- endfor %}
    )
{%- endmacro %}
