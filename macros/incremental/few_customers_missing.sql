{#- The comment few_customers_missing_marker renders: insert_other_customer_buckets looks for it. -#}
{% macro few_customers_missing() %}
    {{ return('/* few customers missing */') }}
{% endmacro %}
