{#-
    Stops an incremental run with a clear message when the stored table lacks a column
    the incremental logic needs: a table built by an earlier version of the project
    (before the model was incremental) is rebuilt with --full-refresh once.
-#}
{% macro require_stored_columns(columns) %}
    {%- set stored = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list %}
    {%- set missing = columns | reject('in', stored) | list %}
    {%- if missing %}
        {{ exceptions.raise_compiler_error(
            this.identifier ~ ': the stored table has no column ' ~ missing | join(', ')
            ~ ' (it was built by an earlier version of the project, before the model was '
            ~ 'incremental); rebuild once with dbt build --full-refresh'
        ) }}
    {%- endif %}
{% endmacro %}
