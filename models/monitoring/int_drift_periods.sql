-- The current period of drift monitoring (the latest month end of
-- customer_features_monthly) and its baseline (var drift_baseline: previous_month;
-- training, the last month end on or before the as-of date of the features the
-- scored model version was fitted on; or a month end "YYYY-MM-DD"). Two rows, one
-- per side (current, baseline) with its month end, so models join their monthly
-- rows once; a baseline that is not a month end of the history stops the build
-- saying why. The periods may coincide (a model trained on the current month).
-- depends_on: {{ ref('segment_centroids') }}
{%- set baseline = var('drift_baseline') %}
with

monthly as (

    select * from {{ ref('customer_features_monthly') }}

),

month_ends as (

    select distinct month_end from monthly

),

current_period as (

    select max(month_end) as current_period from month_ends

),

{% if baseline == 'previous_month' -%}
    baseline_choice as (

        select max(month_ends.month_end) as baseline_period
        from current_period
        inner join month_ends
            on current_period.current_period > month_ends.month_end

    ),
{%- elif baseline == 'training' -%}
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
periods as (

    select
        current_period.current_period,
        case
            when count(month_ends.month_end) = 1 then max(baseline_choice.baseline_period)
            else {{ raise_error(
                'int_drift_periods: the drift baseline (var drift_baseline = '
                ~ baseline ~ ') is not a month end of customer_features_monthly; use '
                ~ 'previous_month, training, or a month end within feature_history_months'
            ) }}
        end as baseline_period
    from current_period
    cross join baseline_choice
    left join month_ends
        on baseline_choice.baseline_period = month_ends.month_end
    group by current_period.current_period

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
        periods.baseline_period
    from periods
    cross join sides

)

select * from final
