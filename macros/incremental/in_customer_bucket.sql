{#-
    Filter of a customer-grain model built in parts (var customer_buckets above 1): true
    for the customers of the first part; the model's post-hook
    insert_other_customer_buckets runs the same query for each other part. With one
    part it is `true`. Use it on every input the model reads per customer, so that each
    part reads only its customers' rows and every aggregate holds 1/customer_buckets of
    them. In a unit test it is `true` as well: the test runs the query once, for all
    its given rows.
-#}
{% macro in_customer_bucket(column) %}
    {%- set buckets = customer_buckets() -%}
    {#- a unit test runs the model's query once, on its given rows: all of them -#}
    {%- if buckets == 1 or model.resource_type == 'unit_test' -%}
        true
    {%- else -%}
        {{ partition_bucket(column, buckets) }}{{ customer_bucket_marker(0) }}
    {%- endif -%}
{% endmacro %}
