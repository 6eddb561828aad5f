-- The readout of every experiment: per experiment, over all its customers
-- (breakdown all) and per target segment (breakdown segment), each arm's customers,
-- conversion rate (share of customers with a completed order from the start date to
-- the end date, or to as_of_date while running) and net revenue per customer, the
-- uplift of treatment over holdout, and the two-proportion z-test of the conversion
-- rates (pooled variance, two-sided p-value).
with

assignments as (

    select * from {{ ref('experiment_assignments') }}

),

experiments as (

    select * from {{ ref('experiments') }}

),

activity_days as (

    select * from {{ ref('int_customer_activity_aggregated_to_days') }}

),

as_of as (

    select as_of_date from {{ ref('int_as_of_date') }}

),

windows as (

    select
        experiments.experiment_id,
        experiments.start_date,
        case
            when experiments.end_date is null or experiments.end_date > as_of.as_of_date
                then as_of.as_of_date
            else experiments.end_date
        end as observed_to
    from experiments
    cross join as_of

),

customer_outcomes as (

    select
        assignments.experiment_id,
        assignments.customer_id,
        assignments.segment_id,
        assignments.arm,
        coalesce(sum(activity_days.completed_orders), 0) as orders,
        coalesce(
            sum(activity_days.gross_revenue_usd - activity_days.refunded_revenue_usd), 0
        ) as net_revenue_usd
    from assignments
    inner join windows
        on assignments.experiment_id = windows.experiment_id
    left join activity_days
        on
            assignments.customer_id = activity_days.customer_id
            and windows.start_date <= activity_days.activity_date
            and windows.observed_to >= activity_days.activity_date
    group by
        assignments.experiment_id,
        assignments.customer_id,
        assignments.segment_id,
        assignments.arm

),

-- each customer twice: once in the all row of the experiment, once in its segment's
breakdowns as (

    select
        experiment_id,
        'all' as breakdown,
        cast(null as integer) as segment_id,
        arm,
        orders,
        net_revenue_usd
    from customer_outcomes
    union all
    select
        experiment_id,
        'segment' as breakdown,
        segment_id,
        arm,
        orders,
        net_revenue_usd
    from customer_outcomes

),

arms as (

    select
        experiment_id,
        breakdown,
        segment_id,
        sum(case when arm = 'treatment' then 1 else 0 end) as treatment_customers,
        sum(case when arm = 'holdout' then 1 else 0 end) as holdout_customers,
        sum(case when arm = 'treatment' and orders > 0 then 1 else 0 end) as treatment_converters,
        sum(case when arm = 'holdout' and orders > 0 then 1 else 0 end) as holdout_converters,
        sum(
            case when arm = 'treatment' then net_revenue_usd else 0 end
        ) as treatment_net_revenue_usd,
        sum(case when arm = 'holdout' then net_revenue_usd else 0 end) as holdout_net_revenue_usd
    from breakdowns
    group by experiment_id, breakdown, segment_id

),

rates as (

    select
        *,
        case
            when treatment_customers > 0
                then cast(treatment_converters as double) / treatment_customers
        end as treatment_conversion_rate,
        case
            when holdout_customers > 0
                then cast(holdout_converters as double) / holdout_customers
        end as holdout_conversion_rate,
        case
            when treatment_customers > 0
                then cast(treatment_net_revenue_usd as double) / treatment_customers
        end as treatment_revenue_per_customer_usd,
        case
            when holdout_customers > 0
                then cast(holdout_net_revenue_usd as double) / holdout_customers
        end as holdout_revenue_per_customer_usd,
        case
            when treatment_customers > 0 and holdout_customers > 0
                then
                    cast(treatment_converters + holdout_converters as double)
                    / (treatment_customers + holdout_customers)
        end as pooled_conversion_rate
    from arms

),

tested as (

    select
        *,
        case
            when pooled_conversion_rate > 0 and pooled_conversion_rate < 1
                then
                    (treatment_conversion_rate - holdout_conversion_rate)
                    / sqrt(
                        pooled_conversion_rate * (1 - pooled_conversion_rate)
                        * (
                            cast(1 as double) / treatment_customers
                            + cast(1 as double) / holdout_customers
                        )
                    )
        end as z_statistic
    from rates

),

final as (

    select
        -- ids
        tested.experiment_id,
        tested.breakdown,
        tested.segment_id,

        -- window
        windows.start_date,
        windows.observed_to,

        -- arms
        cast(tested.treatment_customers as integer) as treatment_customers,
        cast(tested.holdout_customers as integer) as holdout_customers,
        cast(tested.treatment_converters as integer) as treatment_converters,
        cast(tested.holdout_converters as integer) as holdout_converters,
        tested.treatment_conversion_rate,
        tested.holdout_conversion_rate,
        cast(tested.treatment_net_revenue_usd as decimal(18, 4)) as treatment_net_revenue_usd,
        cast(tested.holdout_net_revenue_usd as decimal(18, 4)) as holdout_net_revenue_usd,
        tested.treatment_revenue_per_customer_usd,
        tested.holdout_revenue_per_customer_usd,

        -- uplift
        tested.treatment_conversion_rate - tested.holdout_conversion_rate as conversion_uplift,
        case
            when tested.holdout_conversion_rate > 0
                then tested.treatment_conversion_rate / tested.holdout_conversion_rate - 1
        end as relative_conversion_uplift,
        tested.treatment_revenue_per_customer_usd
        - tested.holdout_revenue_per_customer_usd as revenue_per_customer_uplift_usd,

        -- test
        tested.z_statistic,
        {{ two_sided_normal_p_value('tested.z_statistic') }} as p_value

    from tested
    inner join windows
        on tested.experiment_id = windows.experiment_id

)

select * from final
