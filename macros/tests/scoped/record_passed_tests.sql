{#-
    Run by on-run-end: creates test_pass_log if need be, and renders the insert of the
    scoped tests that passed in this run (test id, fingerprint, the run's batch).
-#}
{% macro record_passed_tests(results) %}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set rows = [] -%}
    {%- set batch = write_batch() -%}
    {%- for result in results
        if result.node.resource_type == 'test' and result.status == 'pass'
        and scoped_test_column(result.node) -%}
        {%- do rows.append(
            "('" ~ result.node.unique_id ~ "', '" ~ scoped_test_fingerprint(result.node) ~ "', "
            ~ batch ~ ")"
        ) -%}
    {%- endfor -%}
    {%- if rows -%}
        {%- set log_relation = test_pass_log_relation() -%}
        {%- do run_query(create_test_pass_log(log_relation)) -%}
        insert into {{ log_relation }} (test_id, test_fingerprint, write_batch)
        values {{ rows | join(', ') }}
    {%- endif -%}
{% endmacro %}
