{#-
    A comment, `/* few customers missing */`, for an incremental model's query that
    adds rows of the customers `customers` selects only (a select of customer_id):
    when they are no more than one part of the eligible customers holds (customers x
    customer_buckets <= eligible customers), insert_other_customer_buckets runs the
    other parts as one query without counting the customers still missing. Otherwise,
    and while parsing, it renders nothing.
-#}
{% macro few_customers_missing_marker(customers) %}
    {%- if not execute or customer_buckets() <= 1 -%}
        {{ return('') }}
    {%- endif -%}
    {%- set counted = run_query(
        "select (select count(distinct few.customer_id) from (" ~ customers ~ ") as few),"
        ~ " (select count(*) from " ~ ref('int_customers_filtered_to_eligible') ~ ")"
    ) -%}
    {%- set row = counted.rows[0] -%}
    {{ return(few_customers_missing() if row[0] * customer_buckets() <= row[1] else '') }}
{% endmacro %}
