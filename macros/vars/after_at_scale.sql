{% macro after_at_scale(model_name) %}
    {#- A dependency on model_name (a ref) when the var customer_buckets is 8 or more,
        nothing otherwise. The heavy monitoring models and experiment_assignments call
        it in a chain, so a build that large runs them one at a time: at 10M customers
        with 2 threads, pairs of them side by side ran out of an 8 GB cap, and two others
        out of disk. -#}
    {%- if customer_buckets() >= 8 -%}
        -- depends_on: {{ ref(model_name) }}
    {%- endif -%}
{% endmacro %}
