{#-
    The batch of this run, which a model with tests_scoped_by writes in that column:
    1 + the latest batch in test_pass_log (which only on-run-end changes), 1 without it.
-#}
{% macro write_batch() -%}
    cast({{ run_batch() }} as {{ dbt.type_int() }})
{%- endmacro %}
