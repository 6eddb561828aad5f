-- Stability of the segmentation per month: of the customers assigned both at the
-- previous month end and at this one (segment_transitions), the share who kept their
-- segment, and the PSI of the segment shares between the two months (macro
-- categorical_drift, all customers of each month).
with

transitions as (

    select * from {{ ref('segment_transitions') }}

),

segments as (

    select * from {{ ref('int_customer_segments_by_month') }}

),

months as (

    select
        month_end,
        previous_month_end,
        sum(case when from_segment_id is not null then customers else 0 end) as customers_in_both,
        sum(case when from_segment_id = to_segment_id then customers else 0 end) as customers_kept,
        sum(case when from_segment_id is null then customers else 0 end) as new_customers
    from transitions
    group by month_end, previous_month_end

),

-- every month's segments as the current side, the previous month's as the baseline
segment_values as (

    select
        months.month_end,
        case when segments.month_end = months.month_end then 'current' else 'baseline' end as side,
        cast(segments.segment_id as {{ dbt.type_string() }}) as category
    from months
    inner join segments
        on segments.month_end in (months.month_end, months.previous_month_end)

),

{{ categorical_drift('segment_values', keys=['month_end']) }},

final as (

    select
        -- period
        months.month_end,
        months.previous_month_end,

        -- customers
        cast(months.customers_in_both as integer) as customers_in_both,
        cast(months.customers_kept as integer) as customers_kept,
        cast(months.new_customers as integer) as new_customers,

        -- stability
        case
            when months.customers_in_both > 0
                then cast(months.customers_kept as double) / months.customers_in_both
        end as stability,
        categorical_result.psi as segment_share_psi

    from months
    left join categorical_result
        on months.month_end = categorical_result.month_end

)

select * from final
