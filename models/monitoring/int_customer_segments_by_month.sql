-- Every customer of customer_features_monthly at each of the latest
-- segment_history_months month ends and at the drift baseline (int_drift_periods),
-- assigned with the current model version (the
-- one customer_segment_assignments scores) by the macro segment_scoring: segments
-- over time are comparable because one model labels every month.
-- depends_on: {{ ref('segment_centroids') }}
with

monthly as (

    select * from {{ ref('customer_features_monthly') }}

),

month_ends as (

    select distinct month_end from monthly

),

baseline_month as (

    select distinct baseline_period from {{ ref('int_drift_periods') }}

),

ranked_month_ends as (

    select
        month_end,
        row_number() over (order by month_end desc) as months_back
    from month_ends

),

history_features as (

    select
        monthly.*,
        monthly.month_end as as_of_date
    from monthly
    inner join ranked_month_ends
        on monthly.month_end = ranked_month_ends.month_end
    cross join baseline_month
    where
        ranked_month_ends.months_back <= {{ var('segment_history_months') }}
        or monthly.month_end = baseline_month.baseline_period

),

features_long as (

    {{ unpivot_features('history_features') }}

),

{{ segment_scoring('features_long') }},

final as (

    select
        -- ids
        customer_id,
        segment_id,
        model_version,

        -- dates
        assigned_as_of as month_end,

        -- fit
        squared_distance,
        membership_probability

    from scoring_result

)

select * from final
