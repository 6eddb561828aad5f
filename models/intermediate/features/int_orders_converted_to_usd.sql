-- Staged orders of eligible customers, converted to US dollars: the order facts
-- every feature reads. Incremental: a run deletes the stored orders that may have
-- changed (pre-hook delete_stale_order_facts: a new load, a customer no longer
-- eligible, a changed rate) and appends the orders not stored yet, so an incremental
-- run and a full refresh give the same rows.
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ delete_stale_order_facts() }}",
        on_schema_change='fail',
    )
}}
-- depends_on: {{ ref('base_raw__orders') }}

with

orders as (

    select * from {{ ref('stg_raw__orders') }}

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
