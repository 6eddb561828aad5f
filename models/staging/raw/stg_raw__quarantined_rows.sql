-- Every raw row that could not be staged, from every raw table, with its reason.
with

customers as (

    select
        'customers' as source_table,
        customer_id as record_key,
        customer_id,
        signup_at as row_at,
        quarantine_reason
    from {{ ref('base_raw__customers') }}
    where row_status = 'quarantined'

),

orders as (

    select
        'orders' as source_table,
        order_id as record_key,
        customer_id,
        ordered_at as row_at,
        quarantine_reason
    from {{ ref('base_raw__orders') }}
    where row_status = 'quarantined'

),

events as (

    select
        'events' as source_table,
        event_id as record_key,
        customer_id,
        occurred_at as row_at,
        quarantine_reason
    from {{ ref('base_raw__events') }}
    where row_status = 'quarantined'

),

consents as (

    select
        'consents' as source_table,
        customer_id || '|' || coalesce(consent_purpose, '') as record_key,
        customer_id,
        recorded_at as row_at,
        quarantine_reason
    from {{ ref('base_raw__consents') }}
    where row_status = 'quarantined'

),

deletion_requests as (

    select
        'deletion_requests' as source_table,
        customer_id as record_key,
        customer_id,
        requested_at as row_at,
        quarantine_reason
    from {{ ref('base_raw__deletion_requests') }}
    where row_status = 'quarantined'

),

unioned as (

    select * from customers
    union all
    select * from orders
    union all
    select * from events
    union all
    select * from consents
    union all
    select * from deletion_requests

),

final as (

    select
        -- rows without a key repeat, so the row id numbers them within their table
        source_table || ':' || cast(
            row_number() over (
                partition by source_table
                order by
                    record_key asc nulls last,
                    quarantine_reason asc,
                    row_at asc nulls last,
                    customer_id asc nulls last
            ) as {{ dbt.type_string() }}
        ) as quarantined_row_id,
        source_table,
        record_key,
        customer_id,
        quarantine_reason,
        row_at
    from unioned

)

select * from final
