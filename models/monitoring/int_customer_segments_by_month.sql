-- Every customer of customer_features_monthly at each of the latest
-- segment_history_months month ends and at every month drift compares (int_drift_periods),
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

drift_months as (

    select distinct month_end from {{ ref('int_drift_periods') }}

),

ranked_month_ends as (

    select
        month_end,
        row_number() over (order by month_end desc) as months_back
    from month_ends

),

-- the latest segment_history_months month ends and every month drift compares, once each
scored_months as (

    select month_end
    from ranked_month_ends
    where months_back <= {{ var('segment_history_months') }}
    union
    select month_end from drift_months

),

history_features as (

    select
        monthly.*,
        monthly.month_end as as_of_date
    from monthly
    inner join scored_months
        on monthly.month_end = scored_months.month_end

),

{{ segment_scoring('history_features') }},

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
