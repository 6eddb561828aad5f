{#-
    first_unseen_batch() for int_orders_converted_to_usd and its pre-hook, or none
    (look at every order, as a full refresh) when the rate of a currency changed or
    left the seed since the stored orders were converted: those orders are deleted
    and converted again though no load named them.
-#}
{% macro order_facts_unseen_batch() %}
    {%- set since = first_unseen_batch() -%}
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
    {%- if run_query(query).columns[0].values()[0] > 0 -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(since) }}
{% endmacro %}
