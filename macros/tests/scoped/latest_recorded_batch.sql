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
