{#
    `when ... then '<reason>'` branches for a case expression that quarantines a raw
    timestamp: missing_timestamp, future_timestamp (after max_valid_timestamp()) and
    timestamp_too_old (before min_valid_timestamp()).
#}
{% macro timestamp_quarantine_reasons(column) -%}
    when {{ column }} is null then 'missing_timestamp'
    when {{ column }} > {{ max_valid_timestamp() }} then 'future_timestamp'
    when {{ column }} < {{ min_valid_timestamp() }} then 'timestamp_too_old'
{%- endmacro %}
