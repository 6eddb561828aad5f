{#-
    first_unseen_batch(base_raw__orders) for int_orders_converted_to_usd, or none
    (look at every staged order, as a full refresh) when that is none (among others:
    the first run after a full build, which would look at every staged order anyway)
    or when
      * the rate of a currency changed or left the seed since the stored orders were
        converted: those orders are converted again though no load named them.
-#}
{% macro order_facts_unseen_batch() %}
    {%- set since = first_unseen_batch(ref('base_raw__orders')) -%}
    {%- if since is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set query -%}
        select count(*)
        from (
            select distinct
                stored.currency_code,
                stored.usd_per_unit
            from {{ this }} as stored
        ) as stored_rates
        where not {{ rate_is_current('stored_rates') }}
    {%- endset -%}
    {%- if run_query(query).rows[0][0] > 0 -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(since) }}
{% endmacro %}
