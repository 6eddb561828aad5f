{#-
    A stable bucket 0 .. buckets - 1 of a string expression: the first 8 hex digits of
    its MD5 (32 bits) as an integer, modulo buckets. Every engine gives the same
    bucket for the same text, and so does Python:
    int(hashlib.md5(text.encode()).hexdigest()[:8], 16) % buckets. Engines' own hash()
    functions differ from each other, so they are not used.
-#}
{% macro hash_bucket(expression, buckets=10000) %}
    {{ return(adapter.dispatch('hash_bucket', 'customer_segmentation')(expression, buckets)) }}
{% endmacro %}

{% macro default__hash_bucket(expression, buckets) -%}
    cast(('0x' || substr(md5({{ expression }}), 1, 8)) as bigint) % {{ buckets }}
{%- endmacro %}

{% macro spark__hash_bucket(expression, buckets) -%}
    cast(conv(substr(md5({{ expression }}), 1, 8), 16, 10) as bigint) % {{ buckets }}
{%- endmacro %}
