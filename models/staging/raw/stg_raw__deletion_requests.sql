with

base as (

    select * from {{ ref('base_raw__deletion_requests') }}
    where row_status = 'staged'

),

final as (

    select
        -- ids
        customer_id,

        -- timestamps
        requested_at

    from base

)

select * from final
