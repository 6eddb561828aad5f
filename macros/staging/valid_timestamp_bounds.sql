{#
    The instants outside which a raw timestamp is quarantined, as SQL timestamp
    literals. The upper bound is the var max_valid_timestamp, or the instant this
    build started (UTC) when the var is null.
#}
{% macro max_valid_timestamp() -%}
    {%- set value = var('max_valid_timestamp') or run_started_at.strftime('%Y-%m-%d %H:%M:%S') -%}
    cast('{{ value }}' as timestamp)
{%- endmacro %}

{% macro min_valid_timestamp() -%}
    cast('{{ var("min_valid_timestamp") }}' as timestamp)
{%- endmacro %}
