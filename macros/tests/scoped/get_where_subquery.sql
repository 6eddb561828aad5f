{#-
    Data tests scoped to the rows written since they last passed.

    A model that declares `meta: {tests_scoped_by: write_batch}` writes in that column
    the batch of the run (write_batch(): 1 + the latest batch in test_pass_log when the
    run started). Its primary-key, not-null and accepted-values tests then check only
    what changed since the test last passed:
    - not_null, accepted_values: the rows of a later batch;
    - unique, unique_combination_of_columns: every row (old or new) whose key (the first
      column of a combination) is also the key of a row of a later batch, so a new row
      that repeats an old key fails.
    on-run-end (record_passed_tests) appends to test_pass_log every scoped test that
    passed, with the run's batch. A test that failed, warned or did not run leaves no
    record, so the next run checks its rows again; a test with no record, a full
    refresh, a test with a `where` config, arguments rendered from Jinja (a var) or var
    scoped_tests false check every row. A batch, not a clock: two builds of the same
    data write the same tables. Sound while rows change only through the project's
    builds, one at a time: a row edited by hand keeps its batch and is not checked
    again until a full check.
-#}

{#-
    dbt wraps the `model` argument of every generic test in this macro. For a scoped
    test with a recorded pass it returns the subquery of the rows to check; otherwise
    what dbt's own get_where_subquery returns (the `where` config, or the relation).
-#}
{% macro get_where_subquery(relation) -%}
    {%- set scope = scoped_test_filter(relation) -%}
    {%- if scope -%}
        {%- set scoped -%}
            (select * from {{ relation }} where {{ scope }}) dbt_subquery
        {%- endset -%}
        {{ return(scoped) }}
    {%- endif -%}
    {{ return(adapter.dispatch('get_where_subquery', 'dbt')(relation)) }}
{%- endmacro %}
