-- Staged orders of eligible customers, converted to US dollars: the order facts
-- every feature reads. Incremental: a run deletes the stored orders that may have
-- changed (pre-hook delete_stale_order_facts: a new load, a customer no longer
-- eligible, a changed rate) and appends the orders not stored yet, so an incremental
-- run and a full refresh give the same rows. It looks for those among the few orders
-- that can be missing (macro order_facts_unseen_batch), not among every staged order.
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_stale_order_facts() }}",
        on_schema_change='fail',
    )
}}
-- depends_on: {{ ref('base_raw__orders') }}

{%- set since = order_facts_unseen_batch() %}
with

orders as (

    {%- if since is none %}
        select * from {{ ref('stg_raw__orders') }}
    {%- else %}
        -- the orders that may be missing after the pre-hook: staged since the table's
        -- latest batch, deleted by the pre-hook, or of an eligible customer without a
        -- stored order (eligible again). Every other staged order of an eligible
        -- customer is stored. Three selects, not one with `or`: the batch filter
        -- alone skips the older row groups
        select staged.*
        from {{ ref('stg_raw__orders') }} as staged
        where staged.write_batch >= {{ since }}
        union
        select staged.*
        from {{ ref('stg_raw__orders') }} as staged
        where staged.order_id in (
            select restaged.order_id from {{ keys_to_restage() }} as restaged
        )
        union
        select staged.*
        from {{ ref('stg_raw__orders') }} as staged
        where staged.customer_id in (
            select eligible.customer_id
            from {{ ref('int_customers_filtered_to_eligible') }} as eligible
            {{ join_stored_keys('eligible', ['customer_id']) }}
            where {{ missing_from_this() }}
        )
    {%- endif %}

),

customers as (

    select customer_id from {{ ref('int_customers_filtered_to_eligible') }}

),

rates as (

    select * from {{ ref('currency_rates') }}

),

converted as (

    select
        -- ids
        orders.order_id,
        orders.customer_id,

        -- text
        orders.order_status,
        orders.currency_code,

        -- flags
        orders.order_status = 'completed' as is_completed,
        orders.order_status in ({{ quoted_list(var('negative_order_statuses')) }}) as is_refund,

        -- numerics: exact decimals, rounded to 1/100 cent once, here
        orders.amount,
        rates.usd_per_unit,
        cast(round(orders.amount * rates.usd_per_unit, 4) as decimal(18, 4)) as amount_usd,

        -- timestamps
        orders.ordered_at,
        cast(orders.ordered_at as date) as order_date,
        orders.loaded_at,

        -- lineage: the batch of the run that wrote the row (scoped tests)
        {{ write_batch() }} as write_batch

    from orders
    inner join customers
        on orders.customer_id = customers.customer_id
    inner join rates
        on orders.currency_code = rates.currency_code

),

final as (

    select converted.*
    from converted
    {% if is_incremental() %}
        -- after the pre-hook, every stored order is current: add the others
        {{ join_stored_keys('converted', ['order_id']) }}
        where {{ missing_from_this() }}
    {% endif %}

)

select * from final
