{#-
    Aggregate: the value of `value` on the row of the group with the smallest ordering
    keys, compared left to right (a later key breaks a tie of the earlier ones). With a
    unique last key the pick does not depend on row order. Keys must not be null
    (engines order a null inside a struct differently). Dispatched: DuckDB
    `arg_min(value, struct)`, default (Spark, Databricks) `min_by(value,
    named_struct(...))`; both compare structs field by field. Snowflake and BigQuery
    need their own version (no named_struct there; not written yet).
-#}
{% macro min_by_ordered(value, keys) %}
    {{ return(adapter.dispatch('min_by_ordered', 'customer_segmentation')(value, keys)) }}
{% endmacro %}

{% macro default__min_by_ordered(value, keys) -%}
    min_by({{ value }}, named_struct(
        {%- for key in keys %}'k{{ loop.index }}', {{ key }}{{ ", " if not loop.last }}{% endfor -%}
    ))
{%- endmacro %}

{% macro duckdb__min_by_ordered(value, keys) -%}
    arg_min({{ value }}, struct_pack(
        {%- for key in keys %}k{{ loop.index }} := {{ key }}{{ ", " if not loop.last }}{% endfor -%}
    ))
{%- endmacro %}
