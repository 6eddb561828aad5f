-- Every raw customer row, typed and normalized, marked staged, duplicate or
-- quarantined (with a reason). stg_raw__customers and the quarantine read this.
with

source as (

    select * from {{ source('raw', 'customers') }}

),

renamed as (

    select
        -- ids
        {{ clean_string('customer_id') }} as customer_id,

        -- personal data: normalized here, hashed in stg_, never beyond staging
        lower({{ clean_string('email') }}) as email,

        -- text
        upper({{ clean_string('country') }}) as country_code,

        -- timestamps
        {{ parse_raw_timestamp('signup_at') }} as signup_at,
        {{ parse_raw_timestamp('updated_at') }} as updated_at,
        {{ unparsed_raw_values(['signup_at', 'updated_at'], 'timestamp') }}
            as has_unparsed_timestamp

    from source

),

ranked as (

    -- the latest version of a customer wins; the rest of the order only makes
    -- the choice deterministic when two versions share updated_at
    select
        *,
        row_number() over (
            partition by customer_id
            order by
                updated_at desc nulls last,
                email asc nulls last,
                country_code asc nulls last,
                signup_at asc nulls last
        ) as version_rank
    from renamed

),

validated as (

    select
        *,
        case
            when customer_id is null then 'missing_customer_id'
            when version_rank > 1 then null
            {{ timestamp_quarantine_reasons('signup_at', 'has_unparsed_timestamp') }}
            when updated_at > {{ max_valid_timestamp() }} then 'future_timestamp'
            when email is not null and (email not like '%_@_%._%' or email like '% %')
                then 'invalid_email'
        end as quarantine_reason
    from ranked

),

final as (

    select
        customer_id,
        email,
        country_code,
        signup_at,
        updated_at,
        version_rank,
        quarantine_reason,
        case
            when quarantine_reason is not null then 'quarantined'
            when version_rank > 1 then 'duplicate'
            else 'staged'
        end as row_status
    from validated

)

select * from final
