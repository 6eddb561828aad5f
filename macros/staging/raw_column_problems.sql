{#
    Compares one raw table's actual columns ({name: TYPE}) with the contract declared
    in the source YAML (column data_type) and returns a list of problem messages. A
    text column is accepted for every type (CSV files are read as text): the base
    models parse it row by row, and unparsable_text_columns checks that it parses.
#}
{% macro raw_column_problems(node, actual, location) %}
    {% set family_names = {
        'varchar': 'a text type',
        'timestamp': 'a timestamp or date type, or text',
        'double': 'a numeric type, or text',
        'boolean': 'a boolean type, or text'
    } %}
    {% set families = raw_type_families() %}
    {% set problems = [] %}
    {% for column in node.columns.values() %}
        {% set name = column.name | lower %}
        {% set expected = column.data_type | lower %}
        {% if name not in actual %}
            {% do problems.append("raw table '" ~ node.name ~ "': required column '" ~ column.name ~ "' is missing in " ~ location ~ " (found: " ~ (actual.keys() | sort | join(', ')) ~ ")") %}
        {% else %}
            {% set base_type = raw_base_type(actual[name]) %}
            {% if base_type not in families[expected] and base_type not in families['varchar'] %}
                {% do problems.append("raw table '" ~ node.name ~ "': column '" ~ column.name ~ "' has type " ~ actual[name] ~ ", expected " ~ family_names[expected] ~ " (contract: " ~ expected ~ ")") %}
            {% endif %}
        {% endif %}
    {% endfor %}
    {{ return(problems) }}
{% endmacro %}
