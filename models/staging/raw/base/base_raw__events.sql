-- Every raw event row, typed and normalized, marked staged, duplicate or
-- quarantined (with a reason). stg_raw__events and the quarantine read this.
-- Incremental like base_raw__orders: the pre-hook deletes the events whose rows may
-- change, a run stages those events again, with all their loads.
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ delete_raw_rows_to_restage(
            'events',
            'event_id',
            ['orphan_customer', 'future_timestamp'],
            {'customer_id': ref('stg_raw__customers')},
        ) }}",
    )
}}
-- Built after base_raw__orders, not beside it: the two largest writes of the build
-- side by side were slower than one after the other (README, Benchmark). The order
-- is all this line adds: no column of orders is read here.
-- depends_on: {{ ref('base_raw__orders') }}

with

source as (

    select * from {{ source('raw', 'events') }}

),

customers as (

    select customer_id from {{ ref('stg_raw__customers') }}

),

renamed as (

    select
        -- ids
        {{ clean_string('event_id') }} as event_id,
        {{ clean_string('customer_id') }} as customer_id,
        {{ clean_string('session_id') }} as session_id,

        -- text
        lower({{ clean_string('event_type') }}) as event_type,

        -- timestamps
        {{ parse_raw_timestamp('occurred_at') }} as occurred_at,
        {{ parse_raw_timestamp('_loaded_at') }} as loaded_at,
        {{ unparsed_raw_values(['occurred_at', '_loaded_at'], 'timestamp') }}
            as has_unparsed_timestamp

    from source

),

to_stage as (

    select renamed.*
    from renamed
    {% if is_incremental() %}
        -- after the pre-hook: the rows of the keys it deleted (a new load, a
        -- verdict to recheck) and the rows without an event id
        where
            renamed.event_id is null
            or renamed.event_id in (
                select restaged.event_id from {{ keys_to_restage() }} as restaged
            )
    {% endif %}

),

ranked as (

    -- the latest load of an event wins; the rest of the order only makes the
    -- choice deterministic when two loads share _loaded_at
    select
        *,
        row_number() over (
            partition by event_id
            order by
                loaded_at desc nulls last,
                occurred_at desc nulls last,
                event_type asc nulls last,
                session_id asc nulls last,
                customer_id asc nulls last
        ) as load_rank
    from to_stage

),

validated as (

    select
        ranked.*,
        case
            when ranked.event_id is null then 'missing_event_id'
            when ranked.load_rank > 1 then null
            -- anonymous visits cannot be tied to a customer to segment
            when ranked.customer_id is null then 'missing_customer_id'
            when ranked.session_id is null then 'missing_session_id'
            {{ timestamp_quarantine_reasons(
                'ranked.occurred_at', unparsed='ranked.has_unparsed_timestamp'
            ) }}
            when
                ranked.event_type is null
                or ranked.event_type not in ({{ quoted_list(var('event_types')) }})
                then 'unknown_event_type'
            when customers.customer_id is null then 'orphan_customer'
        end as quarantine_reason
    from ranked
    left join customers
        on ranked.customer_id = customers.customer_id

),

final as (

    select
        event_id,
        customer_id,
        session_id,
        event_type,
        occurred_at,
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
