-- Customers moving between segments from one month end to the next (both assigned
-- with the current model version, int_customer_segments_by_month): one row per month,
-- segment of the previous month and segment of this month, stayers included
-- (from = to). Customers who are new this month have no previous segment
-- (from_segment_id null).
{{ after_at_scale('segment_history') }}
with

segments as (

    select * from {{ ref('int_customer_segments_by_month') }}

),

scored_months as (

    select distinct month_end from segments

),

-- only months whose previous month end was scored too
scored_with_previous as (

    select
        month_end,
        cast(
            {{ dbt.last_day(dbt.dateadd('month', -1, 'month_end'), 'month') }} as date
        ) as previous_month_end
    from scored_months

),

consecutive_months as (

    select
        this_month.month_end,
        previous_month.month_end as previous_month_end
    from scored_with_previous as this_month
    inner join scored_months as previous_month
        on this_month.previous_month_end = previous_month.month_end

),

moves as (

    select
        consecutive_months.month_end,
        consecutive_months.previous_month_end,
        previous_segments.segment_id as from_segment_id,
        current_segments.segment_id as to_segment_id
    from consecutive_months
    inner join segments as current_segments
        on consecutive_months.month_end = current_segments.month_end
    left join segments as previous_segments
        on
            consecutive_months.previous_month_end = previous_segments.month_end
            and current_segments.customer_id = previous_segments.customer_id

),

counted as (

    select
        month_end,
        previous_month_end,
        from_segment_id,
        to_segment_id,
        count(*) as customers
    from moves
    group by month_end, previous_month_end, from_segment_id, to_segment_id

),

final as (

    select
        -- ids
        month_end,
        previous_month_end,
        cast(from_segment_id as integer) as from_segment_id,
        cast(to_segment_id as integer) as to_segment_id,

        -- customers
        cast(customers as integer) as customers,
        -- share of the from segment's customers (null for new customers)
        case
            when from_segment_id is not null
                then
                    cast(customers as double)
                    / sum(case when from_segment_id is not null then customers end)
                        over (partition by month_end, from_segment_id)
        end as share_of_from_segment

    from counted

)

select * from final
