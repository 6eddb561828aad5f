{#
    A text column where the contract wants a timestamp, a number or a flag is parsed
    row by row, and a row whose value does not parse is quarantined. When none of the
    first 10,000 values parses, the column is in another format altogether (dates
    written 31/12/2025, amounts with a thousands separator...): that stops the build
    with the column, the type and a value, instead of quarantining the whole table.
#}
{% macro unparsable_text_columns(node, actual, relation) %}
    {% set families = raw_type_families() %}
    {% set problems = [] %}
    {% for column in node.columns.values() %}
        {% set name = column.name | lower %}
        {% set expected = column.data_type | lower %}
        {% if expected != 'varchar' and name in actual and raw_base_type(actual[name]) in families['varchar'] %}
            {% set parsed = parse_raw_timestamp(adapter.quote(column.name)) if expected == 'timestamp' else dbt.safe_cast(adapter.quote(column.name), expected) %}
            {% set sample = run_query(
                'select count(*), count(' ~ parsed ~ '), min(' ~ adapter.quote(column.name) ~ ') from (select '
                ~ adapter.quote(column.name) ~ ' from ' ~ relation ~ ' where ' ~ adapter.quote(column.name)
                ~ ' is not null limit 10000) as sampled'
            ).rows[0] %}
            {% if sample[0] > 0 and sample[1] == 0 %}
                {% do problems.append("raw table '" ~ node.name ~ "': column '" ~ column.name ~ "' is text and none of its first "
                    ~ sample[0] ~ " values parses as " ~ expected ~ " (for example '" ~ sample[2] ~ "'); write "
                    ~ ("timestamps as YYYY-MM-DD HH:MM:SS (UTC)" if expected == 'timestamp' else "numbers with a dot for decimals and no thousands separator" if expected == 'double' else "true or false")) %}
            {% endif %}
        {% endif %}
    {% endfor %}
    {{ return(problems) }}
{% endmacro %}
