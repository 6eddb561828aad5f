{#-
    A text column of a seed with blank cells as null: a cell of spaces, or '' written by
    a spreadsheet, means blank as much as an empty cell does.
-#}
{% macro blank_to_null(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}
