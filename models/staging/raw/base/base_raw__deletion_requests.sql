-- Every raw deletion request, typed, marked staged, duplicate or quarantined
-- (with a reason). Requests are honoured even for customers unknown to staging
-- and whatever their timestamp: only a request without a customer is unusable.
with

source as (

    select * from {{ source('raw', 'deletion_requests') }}

),

renamed as (

    select
        -- ids
        {{ clean_string('customer_id') }} as customer_id,

        -- timestamps
        {{ parse_raw_timestamp('requested_at') }} as requested_at

    from source

),

ranked as (

    -- the first request of a customer counts; later ones repeat it
    select
        *,
        row_number() over (
            partition by customer_id
            order by requested_at asc nulls last
        ) as request_rank
    from renamed

),

final as (

    select
        customer_id,
        requested_at,
        request_rank,
        case
            when customer_id is null then 'missing_customer_id'
        end as quarantine_reason,
        case
            when customer_id is null then 'quarantined'
            when request_rank > 1 then 'duplicate'
            else 'staged'
        end as row_status
    from ranked

)

select * from final
