{#-
    first_unseen_batch() for int_orders_converted_to_usd, or none (look at every
    staged order, as a full refresh) when
      * that batch is no later than the earliest batch of base_raw__orders: every
        staged order would be looked at anyway (the first run after a full build), or
      * the rate of a currency changed or left the seed since the stored orders were
        converted: those orders are converted again though no load named them.
-#}
{% macro order_facts_unseen_batch() %}
    {%- set since = first_unseen_batch() -%}
    {%- if since is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set query -%}
        select
            (select min(staged.write_batch) from {{ ref('base_raw__orders') }} as staged),
            (
                select count(*)
                from (
                    select distinct
                        stored.currency_code,
                        stored.usd_per_unit
                    from {{ this }} as stored
                ) as stored_rates
                where not {{ rate_is_current('stored_rates') }}
            )
    {%- endset -%}
    {%- set row = run_query(query).rows[0] -%}
    {%- if row[0] is none or since <= row[0] | int or row[1] > 0 -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(since) }}
{% endmacro %}
