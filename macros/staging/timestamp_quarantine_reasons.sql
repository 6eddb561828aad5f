{#
    `when ... then '<reason>'` branches for a case expression that quarantines a raw
    timestamp: invalid_timestamp (a timestamp of the row is there but does not parse:
    `unparsed`, a boolean from unparsed_raw_values), missing_timestamp,
    future_timestamp (after max_valid_timestamp()) and timestamp_too_old (before
    min_valid_timestamp()).
#}
{% macro timestamp_quarantine_reasons(column, unparsed=none) -%}
    {% if unparsed is not none -%}
        when {{ unparsed }} then 'invalid_timestamp'
    {% endif -%}
    when {{ column }} is null then 'missing_timestamp'
    when {{ column }} > {{ max_valid_timestamp() }} then 'future_timestamp'
    when {{ column }} < {{ min_valid_timestamp() }} then 'timestamp_too_old'
{%- endmacro %}
