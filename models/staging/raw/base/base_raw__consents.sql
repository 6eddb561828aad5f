-- Every raw consent row, typed and normalized, marked staged, duplicate or
-- quarantined (with a reason). stg_raw__consents and the quarantine read this.
with

source as (

    select * from {{ source('raw', 'consents') }}

),

customers as (

    select customer_id from {{ ref('stg_raw__customers') }}

),

renamed as (

    select
        -- ids
        {{ clean_string('customer_id') }} as customer_id,

        -- text
        lower({{ clean_string('purpose') }}) as consent_purpose,

        -- booleans
        {{ dbt.safe_cast('granted', 'boolean') }} as is_granted,

        -- timestamps
        {{ parse_raw_timestamp('recorded_at') }} as recorded_at,
        {{ unparsed_raw_values(['recorded_at'], 'timestamp') }} as has_unparsed_timestamp

    from source

),

ranked as (

    -- the latest record per customer and purpose wins; on a tie a refusal wins
    -- over a grant, so a customer is never segmented on an ambiguous record
    select
        *,
        row_number() over (
            partition by customer_id, consent_purpose
            order by
                recorded_at desc nulls last,
                is_granted asc nulls first
        ) as record_rank
    from renamed

),

validated as (

    select
        ranked.*,
        case
            when ranked.customer_id is null then 'missing_customer_id'
            when ranked.record_rank > 1 then null
            when
                ranked.consent_purpose is null
                or ranked.consent_purpose not in ({{ quoted_list(var('consent_purposes')) }})
                then 'unknown_purpose'
            when ranked.is_granted is null then 'missing_granted'
            {{ timestamp_quarantine_reasons(
                'ranked.recorded_at', unparsed='ranked.has_unparsed_timestamp'
            ) }}
            when customers.customer_id is null then 'orphan_customer'
        end as quarantine_reason
    from ranked
    left join customers
        on ranked.customer_id = customers.customer_id

),

final as (

    select
        customer_id,
        consent_purpose,
        is_granted,
        recorded_at,
        record_rank,
        quarantine_reason,
        case
            when quarantine_reason is not null then 'quarantined'
            when record_rank > 1 then 'duplicate'
            else 'staged'
        end as row_status
    from validated

)

select * from final
