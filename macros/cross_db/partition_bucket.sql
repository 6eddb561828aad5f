{#-
    A bucket 0 .. buckets - 1 of an expression from the engine's own fast hash: for
    splitting work into parts (customer_buckets), not for anything stored or compared
    across engines (the engines' hash functions differ; hash_bucket is the stable one).
-#}
{% macro partition_bucket(expression, buckets) %}
    {{ return(adapter.dispatch('partition_bucket', 'customer_segmentation')(expression, buckets)) }}
{% endmacro %}

{% macro default__partition_bucket(expression, buckets) -%}
    hash({{ expression }}) % {{ buckets }}
{%- endmacro %}

{% macro spark__partition_bucket(expression, buckets) -%}
    pmod(hash({{ expression }}), {{ buckets }})
{%- endmacro %}
