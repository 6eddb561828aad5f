{#-
    Post-hook of a model built in parts (var customer_buckets above 1, filter
    in_customer_bucket): the model's query wrote the customers of part 0; this inserts
    those of parts 1 .. customer_buckets - 1 with the same query, one part at a time, so
    that no join or aggregate ever holds more than one part.
    On an incremental run the query adds the customers missing from the table. When
    fewer customers of `population` (the relation the model's customers come from) are
    still missing than one part holds (missing x parts <= customers), as after a day of
    loads, the other parts run as one query: each part's query scans every input row,
    and the missing customers' rows are within what one part holds. Otherwise (a new
    month end, a backfill that names every customer) they run one at a time. A query
    that few_customers_missing_marker marked reads fewer customers than a part holds:
    its other parts run as one query without that count. A line of the log says which. Renders
    nothing with one part.
-#}
{% macro insert_other_customer_buckets(population=none) %}
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
        {#- the filter end of each query to run: one per other part -#}
        {%- set markers = [] -%}
        {%- for bucket in range(1, buckets) -%}
            {%- do markers.append(customer_bucket_marker(bucket)) -%}
        {%- endfor -%}
        {#- the query reads only the customers written since its latest batch -#}
        {%- if few_customers_missing() in query -%}
            {%- set markers = [customer_bucket_marker_other_than(0)] -%}
            {{ log(
                model.name ~ ": the customers written since the latest batch only; parts 1 to "
                ~ (buckets - 1) ~ " in one query",
                info=True,
            ) }}
        {#- the compiled query took the incremental path (it adds what is missing) -#}
        {%- elif population is not none and missing_from_this() in query -%}
            {#- the table's customers are customers of population (the pre-hooks delete
                the others), so the missing ones are the difference of two distinct
                counts: cheaper than an anti-join of every stored row (1M daily run: 0.5
                to 0.9 s against 0.8 to 1.4 s) -#}
            {%- set counted = run_query(
                "select (select count(distinct customer_id) from " ~ population ~ "),"
                ~ " (select count(distinct customer_id) from " ~ this ~ ")"
            ) -%}
            {%- set customers = counted.columns[0].values()[0] | int -%}
            {%- set missing = [customers - (counted.columns[1].values()[0] | int), 0] | max -%}
            {%- set one_query = missing * buckets <= customers -%}
            {%- if one_query -%}
                {%- set markers = [customer_bucket_marker_other_than(0)] -%}
            {%- endif -%}
            {{ log(
                model.name ~ ": " ~ missing ~ " of " ~ customers ~ " customers missing after part 0; parts 1 to "
                ~ (buckets - 1) ~ (" in one query" if one_query else " one at a time"),
                info=True,
            ) }}
        {%- endif -%}
        {%- for part_marker in markers -%}
            {%- call statement('customer_bucket_' ~ loop.index) -%}
                insert into {{ this }}
                {{ query | replace(marker, part_marker) }}
            {%- endcall -%}
        {%- endfor -%}
    {%- endif -%}
{% endmacro %}
