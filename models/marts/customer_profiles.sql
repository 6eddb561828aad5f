-- One profile per eligible customer, shaped for a personalization engine: `segments`,
-- a sorted list of everything the customer belongs to (the model segment, the named
-- RFM segment and the activation tags, each prefixed: "segment:", "rfm:", "tag:"),
-- the key scores, the next best action and last_updated (the as-of date the profile
-- was computed for, so a rebuild on the same data changes nothing).
-- With var customer_buckets above 1 it lists that many parts of the customers, one
-- query each (post-hook): at 10M customers the list aggregate of all of them at once ran
-- out of memory.
{{ config(post_hook="{{ insert_other_customer_buckets() }}") }}
with

dims as (

    select dims.*
    from {{ ref('dim_customer_segments') }} as dims
    where {{ in_customer_bucket('dims.customer_id') }}

),

tags as (

    select tags.*
    from {{ ref('int_customer_tags') }} as tags
    where {{ in_customer_bucket('tags.customer_id') }}

),

actions as (

    select actions.*
    from {{ ref('customer_next_best_action') }} as actions
    where {{ in_customer_bucket('actions.customer_id') }}

),

memberships as (

    select
        customer_id,
        'segment:' || segment_name as membership
    from dims
    union all
    select
        customer_id,
        'rfm:' || rfm_segment as membership
    from dims
    union all
    select
        customer_id,
        'tag:' || customer_tag as membership
    from tags

),

-- array_agg keeps nulls on DuckDB and drops them on Spark: filter them on both
listed as (

    select
        customer_id,
        array_sort(array_agg(membership) filter (where membership is not null)) as segments,
        sum(case when membership like 'tag:%' then 1 else 0 end) as tags
    from memberships
    group by customer_id

),

final as (

    select
        -- ids
        dims.customer_id,

        -- memberships
        listed.segments,
        cast(listed.tags as integer) as tag_count,

        -- scores
        dims.segment_id,
        dims.r_score,
        dims.f_score,
        dims.m_score,
        dims.engagement_score,
        dims.purchase_propensity,
        dims.churn_risk,

        -- activation
        actions.next_best_action,

        -- dates
        cast(dims.assigned_as_of as timestamp) as last_updated

    from dims
    inner join listed
        on dims.customer_id = listed.customer_id
    inner join actions
        on dims.customer_id = actions.customer_id

)

select * from final
