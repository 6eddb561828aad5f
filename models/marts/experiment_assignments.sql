-- Who is in which arm of each experiment of the seed experiments: every customer in a
-- target segment (target_segment_ids, blank = all) at the month end before the start
-- date, scored with the current model (int_customer_segments_by_month), goes to the
-- holdout when the hash bucket (0-9999) of experiment id and customer id is below
-- holdout_share x 10000, otherwise to treatment. The bucket depends on those two ids
-- only: the same customer stays in the same arm on every run and engine, and the
-- arms of different experiments are independent.
-- At 10M customers it ran out of an 8 GB cap beside the drift value counts: with
-- customer_buckets at 8 or more it runs after the chain of heavy monitoring models.
{{ after_at_scale('segment_transitions') }}
with

experiments as (

    select * from {{ ref('experiments') }}

),

segments as (

    select * from {{ ref('int_customer_segments_by_month') }}

),

targeting as (

    select
        experiment_id,
        start_date,
        holdout_share,
        -- '|1|2|' so that segment 1 does not match inside 12
        '|' || replace(coalesce(target_segment_ids, ''), ' ', '') || '|' as target_list,
        cast(
            {{ dbt.last_day(dbt.dateadd('month', -1, 'start_date'), 'month') }} as date
        ) as targeting_month_end
    from experiments

),

targeted as (

    select
        targeting.experiment_id,
        targeting.start_date,
        targeting.targeting_month_end,
        targeting.holdout_share,
        segments.customer_id,
        segments.segment_id,
        {{ hash_bucket("targeting.experiment_id || ':' || segments.customer_id") }} as hash_bucket
    from targeting
    inner join segments
        on targeting.targeting_month_end = segments.month_end
    where
        targeting.target_list = '||'
        or {{ dbt.position(
            "'|' || cast(segments.segment_id as " ~ dbt.type_string() ~ ") || '|'",
            'targeting.target_list'
        ) }} > 0

),

-- the one rule of the arms: holdout below holdout_share x 10000
split as (

    select
        *,
        hash_bucket < round(holdout_share * 10000) as is_holdout
    from targeted

),

final as (

    select
        -- ids
        experiment_id,
        customer_id,

        -- targeting
        cast(segment_id as integer) as segment_id,
        targeting_month_end,
        start_date,

        -- arm
        cast(hash_bucket as integer) as hash_bucket,
        is_holdout,
        case when is_holdout then 'holdout' else 'treatment' end as arm

    from split

)

select * from final
