-- Every raw order row, typed and normalized, marked staged, duplicate or
-- quarantined (with a reason). stg_raw__orders and the quarantine read this.
-- Incremental: the pre-hook deletes the orders whose rows may change (a new load, a
-- verdict that depends on the customers, the rates or the clock, no order id) and a
-- run stages those orders again, with all their loads, so an incremental run and a
-- full refresh give the same rows.
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ delete_raw_rows_to_restage(
            'orders',
            'order_id',
            ['orphan_customer', 'unknown_currency', 'future_timestamp'],
            {'customer_id': ref('stg_raw__customers'), 'currency_code': ref('currency_rates')},
        ) }}",
    )
}}

with

source as (

    select * from {{ source('raw', 'orders') }}

),

customers as (

    select customer_id from {{ ref('stg_raw__customers') }}

),

currencies as (

    select currency_code from {{ ref('currency_rates') }}

),

renamed as (

    select
        -- ids
        {{ clean_string('order_id') }} as order_id,
        {{ clean_string('customer_id') }} as customer_id,

        -- text
        lower({{ clean_string('status') }}) as order_status,
        upper({{ clean_string('currency') }}) as currency_code,

        -- numerics: exact decimals, so sums are the same whatever the plan
        {{ dbt.safe_cast('amount', 'decimal(18, 2)') }} as amount,

        -- timestamps
        {{ parse_raw_timestamp('ordered_at') }} as ordered_at,
        {{ parse_raw_timestamp('_loaded_at') }} as loaded_at,
        {{ unparsed_raw_values(['ordered_at', '_loaded_at'], 'timestamp') }}
            as has_unparsed_timestamp

    from source

),

to_stage as (

    select renamed.*
    from renamed
    {% if is_incremental() %}
        -- after the pre-hook: the rows of the keys it deleted (a new load, a
        -- verdict to recheck) and the rows without an order id
        where
            renamed.order_id is null
            or renamed.order_id in (
                select restaged.order_id from {{ keys_to_restage() }} as restaged
            )
    {% endif %}

),

ranked as (

    -- the latest load of an order wins; the rest of the order only makes the
    -- choice deterministic when two loads share _loaded_at
    select
        *,
        row_number() over (
            partition by order_id
            order by
                loaded_at desc nulls last,
                ordered_at desc nulls last,
                order_status asc nulls last,
                amount asc nulls last,
                currency_code asc nulls last,
                customer_id asc nulls last
        ) as load_rank
    from to_stage

),

validated as (

    select
        ranked.*,
        case
            when ranked.order_id is null then 'missing_order_id'
            when ranked.load_rank > 1 then null
            when ranked.customer_id is null then 'missing_customer_id'
            {{ timestamp_quarantine_reasons('ranked.ordered_at', 'ranked.has_unparsed_timestamp') }}
            when
                ranked.order_status is null
                or ranked.order_status not in ({{ quoted_list(var('order_statuses')) }})
                then 'unknown_status'
            when currencies.currency_code is null then 'unknown_currency'
            when
                ranked.amount is null
                or abs(ranked.amount) > {{ var('max_order_amount') }}
                then 'invalid_amount'
            -- refunds and returns are negative, everything else is not
            when
                ranked.order_status in ({{ quoted_list(var('negative_order_statuses')) }})
                and ranked.amount > 0
                then 'invalid_amount'
            when
                ranked.order_status not in ({{ quoted_list(var('negative_order_statuses')) }})
                and ranked.amount < 0
                then 'invalid_amount'
            when customers.customer_id is null then 'orphan_customer'
        end as quarantine_reason
    from ranked
    left join currencies
        on ranked.currency_code = currencies.currency_code
    left join customers
        on ranked.customer_id = customers.customer_id

),

final as (

    select
        order_id,
        customer_id,
        order_status,
        currency_code,
        amount,
        ordered_at,
        loaded_at,
        load_rank,
        quarantine_reason,
        case
            when quarantine_reason is not null then 'quarantined'
            when load_rank > 1 then 'duplicate'
            else 'staged'
        end as row_status,

        -- lineage: the batch of the run that wrote the row (scoped tests)
        {{ write_batch() }} as write_batch
    from validated

)

select * from final
