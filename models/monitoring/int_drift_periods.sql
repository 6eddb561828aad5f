-- The periods of drift monitoring: each of the latest drift_history_months month ends
-- of customer_features_monthly (current_period) with its baseline (var
-- drift_baseline: previous_month, the month end before it; training, the last month
-- end on or before the as-of date of the features the scored model version was
-- fitted on; or a month end "YYYY-MM-DD"). A fixed baseline is compared with the
-- months from it on only. Two rows per period, one per side (current, baseline) with
-- its month end, so models join their monthly rows once; is_latest_period marks the
-- period alerts and threshold tests look at. A fixed baseline that is not a month end
-- of the history stops the build saying why.
-- depends_on: {{ ref('segment_centroids') }}
{%- set baseline = var('drift_baseline') %}
with

monthly as (

    select * from {{ ref('customer_features_monthly') }}

),

month_ends as (

    select distinct month_end from monthly

),

ranked_month_ends as (

    select
        month_end,
        row_number() over (order by month_end desc) as months_back
    from month_ends

),

current_periods as (

    select month_end as current_period
    from ranked_month_ends
    where months_back <= {{ var('drift_history_months') }}

),

{% if baseline == 'previous_month' -%}
    periods as (

        select
            current_periods.current_period,
            max(month_ends.month_end) as baseline_period
        from current_periods
        inner join month_ends
            on current_periods.current_period > month_ends.month_end
        group by current_periods.current_period

    ),
{%- else -%}
    {%- if baseline == 'training' -%}
        scored_version as (

            select distinct model_version from {{ ref('customer_segment_assignments') }}

        ),

        training_snapshot as (

            select max(stored.trained_as_of) as trained_as_of
            from {{ stored_model_table('segment_centroids') }} as stored
            inner join scored_version
                on stored.model_version = scored_version.model_version

        ),

        -- the last month end on or before the training as-of date
        baseline_choice as (

            select max(month_ends.month_end) as baseline_period
            from training_snapshot
            inner join month_ends
                on month_ends.month_end <= training_snapshot.trained_as_of

        ),
    {%- else -%}
        baseline_choice as (

            select cast('{{ baseline }}' as date) as baseline_period

        ),
    {%- endif %}

    -- a baseline that is not a month end of the history stops the build saying why
    checked_baseline as (

        select
            case
                when count(month_ends.month_end) = 1 then max(baseline_choice.baseline_period)
                else {{ raise_error(
                    'int_drift_periods: the drift baseline (var drift_baseline = '
                    ~ baseline ~ ') is not a month end of customer_features_monthly; use '
                    ~ 'previous_month, training, or a month end within feature_history_months'
                ) }}
            end as baseline_period
        from baseline_choice
        left join month_ends
            on baseline_choice.baseline_period = month_ends.month_end

    ),

    periods as (

        select
            current_periods.current_period,
            checked_baseline.baseline_period
        from current_periods
        cross join checked_baseline
        where current_periods.current_period >= checked_baseline.baseline_period

    ),
{%- endif %}

latest as (

    select max(current_period) as latest_period from periods

),

sides as (

    select 'current' as side
    union all
    select 'baseline' as side

),

final as (

    select
        sides.side,
        case
            when sides.side = 'current' then periods.current_period
            else periods.baseline_period
        end as month_end,
        periods.current_period,
        periods.baseline_period,
        periods.current_period = latest.latest_period as is_latest_period
    from periods
    cross join latest
    cross join sides

)

select * from final
