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

{#- The kinds of generic tests that are scoped; the rest always check every row. -#}
{% macro scoped_test_kinds() %}
    {{ return(['unique', 'unique_combination_of_columns', 'not_null', 'accepted_values']) }}
{% endmacro %}

{#- The table on-run-end appends passed tests to, in the target schema. -#}
{% macro test_pass_log_relation() %}
    {#- Spark's target has no database -#}
    {%- set database = target.database if target.database is defined else none -%}
    {{ return(api.Relation.create(database=database, schema=target.schema, identifier='test_pass_log')) }}
{% endmacro %}

{#-
    The latest batch whose passes test_pass_log holds for the test `test_id` with
    `fingerprint`, or for any test when test_id is none; none when there is none.
-#}
{% macro latest_recorded_batch(test_id=none, fingerprint=none) %}
    {%- set log_relation = test_pass_log_relation() -%}
    {%- if adapter.get_relation(log_relation.database, log_relation.schema, log_relation.identifier) is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set query -%}
        select max(write_batch) from {{ log_relation }}
        {%- if test_id is not none %}
            where test_id = '{{ test_id }}' and test_fingerprint = '{{ fingerprint }}'
        {%- endif %}
    {%- endset -%}
    {%- set batch = run_query(query).columns[0].values()[0] -%}
    {{ return(none if batch is none else batch | int) }}
{% endmacro %}

{#-
    The batch of this run, which a model with tests_scoped_by writes in that column:
    1 + the latest batch in test_pass_log (which only on-run-end changes), 1 without it.
-#}
{% macro write_batch() -%}
    {%- set latest = latest_recorded_batch() if execute else none -%}
    cast({{ 1 if latest is none else latest + 1 }} as {{ dbt.type_int() }})
{%- endmacro %}

{#-
    The batch column of the model a test node is attached to, or none when the test
    is not scoped (see above). `test` is the test node: `model` while a test compiles,
    `result.node` in on-run-end.
-#}
{% macro scoped_test_column(test) %}
    {%- set metadata = test.test_metadata -%}
    {%- if not metadata or metadata.name not in scoped_test_kinds() or metadata.namespace -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if test.config.get('where') or not test.attached_node
        or test.attached_node not in graph.nodes -%}
        {{ return(none) }}
    {%- endif -%}
    {%- for name, value in metadata.kwargs.items() if name != 'model' -%}
        {%- if '{{' in (value | string) or '{%' in (value | string) -%}
            {{ return(none) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(graph.nodes[test.attached_node].config.meta.get('tests_scoped_by')) }}
{% endmacro %}

{#-
    What a pass of the test vouches for: its kind and arguments. A record of another
    definition of the same test (other values, other columns) is not used.
-#}
{% macro scoped_test_fingerprint(test) %}
    {%- set kwargs = {} -%}
    {%- for name, value in test.test_metadata.kwargs.items() if name != 'model' -%}
        {%- do kwargs.update({name: value}) -%}
    {%- endfor -%}
    {{ return(local_md5('scoped-v1|' ~ test.test_metadata.name ~ '|' ~ tojson(kwargs, sort_keys=true))) }}
{% endmacro %}

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

{#- The where clause of a scoped test's rows, or '' to check every row. -#}
{% macro scoped_test_filter(relation) %}
    {%- if not execute or model.resource_type != 'test' or flags.FULL_REFRESH
        or not boolean_var('scoped_tests') -%}
        {{ return('') }}
    {%- endif -%}
    {%- set batch_column = scoped_test_column(model) -%}
    {%- if not batch_column -%}
        {{ return('') }}
    {%- endif -%}
    {%- set passed = latest_recorded_batch(model.unique_id, scoped_test_fingerprint(model)) -%}
    {%- if passed is none -%}
        {{ return('') }}
    {%- endif -%}
    {%- set since = batch_column ~ ' > ' ~ passed -%}
    {%- set kwargs = model.test_metadata.kwargs -%}
    {%- if model.test_metadata.name == 'unique' -%}
        {%- set key = kwargs.column_name -%}
    {%- elif model.test_metadata.name == 'unique_combination_of_columns' -%}
        {%- set key = kwargs.combination_of_columns[0] -%}
    {%- else -%}
        {{ return(since) }}
    {%- endif -%}
    {%- set keyed -%}
        {{ key }} in (select {{ key }} from {{ relation }} where {{ since }})
    {%- endset -%}
    {{ return(keyed) }}
{% endmacro %}

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

{% macro create_test_pass_log(relation) %}
    {{ return(adapter.dispatch('create_test_pass_log', 'customer_segmentation')(relation)) }}
{% endmacro %}

{% macro default__create_test_pass_log(relation) -%}
    create table if not exists {{ relation }} (
        test_id {{ dbt.type_string() }},
        test_fingerprint {{ dbt.type_string() }},
        write_batch {{ dbt.type_int() }}
    )
{%- endmacro %}

{#- Spark: a Parquet table (CREATE TABLE without USING makes a Hive table) -#}
{% macro spark__create_test_pass_log(relation) -%}
    {{ default__create_test_pass_log(relation) }} using parquet
{%- endmacro %}
