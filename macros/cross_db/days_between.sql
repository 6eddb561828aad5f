{#-
    Whole days from start_date to end_date (end minus start) as an integer, counting
    calendar-day boundaries, so timestamps count by their dates; null when either side
    is null. dbt.datediff is not used because on Spark it wraps both sides in an assert
    that raises on null, and customers without orders have null dates.
-#}
{% macro days_between(start_date, end_date) %}
    {{ return(adapter.dispatch('days_between', 'customer_segmentation')(start_date, end_date)) }}
{% endmacro %}

{% macro default__days_between(start_date, end_date) -%}
    datediff({{ end_date }}, {{ start_date }})
{%- endmacro %}

{% macro duckdb__days_between(start_date, end_date) -%}
    cast(date_diff('day', {{ start_date }}, {{ end_date }}) as integer)
{%- endmacro %}
