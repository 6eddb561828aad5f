{#-
    A text column of a seed with its blank cells as null. Seeds load a blank cell
    differently per engine: DuckDB as null, Spark (dbt-spark's seed insert) as the text
    'None' for a string column, and hand-edited files may hold spaces; all mean blank.
-#}
{% macro blank_to_null(column) -%}
    case when trim({{ column }}) in ('', 'None') then null else trim({{ column }}) end
{%- endmacro %}
