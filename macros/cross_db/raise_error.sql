{#-
    An expression that stops the query with `message` when it is evaluated: put it in
    a CASE branch that only bad data reaches, so the build fails with a message that
    names the problem instead of writing wrong rows. The message is a literal.
-#}
{% macro raise_error(message) %}
    {{ return(adapter.dispatch('raise_error', 'customer_segmentation')(message)) }}
{% endmacro %}

{% macro default__raise_error(message) -%}
    raise_error('{{ message | replace("'", "''") }}')
{%- endmacro %}

{% macro duckdb__raise_error(message) -%}
    error('{{ message | replace("'", "''") }}')
{%- endmacro %}
