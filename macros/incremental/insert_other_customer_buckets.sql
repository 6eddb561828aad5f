{#-
    Post-hook of a model built in parts (var customer_buckets above 1, filter
    in_customer_bucket): the model's query wrote the customers of part 0; this inserts
    those of parts 1 .. customer_buckets - 1 with the same query, one part at a time, so
    that no join or aggregate ever holds more than one part. On an incremental run the
    query adds the customers missing from the table, which it does part by part as well.
    Renders nothing with one part.
-#}
{% macro insert_other_customer_buckets() %}
    {%- set buckets = customer_buckets() -%}
    {%- if execute and buckets > 1 -%}
        {%- set marker = customer_bucket_marker(0) -%}
        {%- set query = model.compiled_code -%}
        {%- if marker not in query -%}
            {{ exceptions.raise_compiler_error(
                model.name ~ " has the post-hook insert_other_customer_buckets but its query"
                ~ " has no in_customer_bucket filter"
            ) }}
        {%- endif -%}
        {%- for bucket in range(1, buckets) -%}
            {%- call statement('customer_bucket_' ~ bucket) -%}
                insert into {{ this }}
                {{ query | replace(marker, customer_bucket_marker(bucket)) }}
            {%- endcall -%}
        {%- endfor -%}
    {%- endif -%}
{% endmacro %}
