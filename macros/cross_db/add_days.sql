{#-
    The date `days` days after date_expression (before it when negative), as a date.
    DuckDB's date + interval gives a timestamp, Spark's date_add a date: this is a
    date on both.
-#}
{% macro add_days(date_expression, days) %}
    {{ return(adapter.dispatch('add_days', 'customer_segmentation')(date_expression, days)) }}
{% endmacro %}

{% macro default__add_days(date_expression, days) -%}
    date_add(cast({{ date_expression }} as date), {{ days }})
{%- endmacro %}

{% macro duckdb__add_days(date_expression, days) -%}
    cast(cast({{ date_expression }} as date) + cast({{ days }} as integer) as date)
{%- endmacro %}
