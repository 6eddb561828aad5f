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
