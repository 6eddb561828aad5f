-- What crossed a drift threshold in the latest period, most severe first
-- (severity_rank 1 = the highest PSI among alerts): features (feature_drift, over all
-- customers or within a segment), categorical columns (int_categorical_drift:
-- segment_id, rfm_segment, country_code) and the month-over-month shift of segment
-- shares (segment_stability). Empty when nothing drifted.
with

feature_drift as (

    select * from {{ ref('feature_drift') }}

),

categorical_drift as (

    select * from {{ ref('int_categorical_drift') }}

),

stability as (

    select * from {{ ref('segment_stability') }}

),

periods as (

    select distinct
        current_period,
        baseline_period
    from {{ ref('int_drift_periods') }}
    where is_latest_period

),

crossed as (

    select
        current_period,
        baseline_period,
        'feature_drift' as source_model,
        scope,
        segment_id,
        feature_name as column_name,
        psi,
        status
    from feature_drift
    where status != 'ok' and is_latest_period
    union all
    select
        current_period,
        baseline_period,
        'segment_drift' as source_model,
        'population' as scope,
        cast(null as integer) as segment_id,
        column_name,
        psi,
        status
    from categorical_drift
    where status != 'ok'
    union all
    select
        stability.month_end as current_period,
        stability.previous_month_end as baseline_period,
        'segment_stability' as source_model,
        'population' as scope,
        cast(null as integer) as segment_id,
        'segment_id' as column_name,
        stability.segment_share_psi as psi,
        {{ drift_status('stability.segment_share_psi') }} as status
    from stability
    inner join periods
        on stability.month_end = periods.current_period
    where stability.segment_share_psi >= {{ var('psi_warn') }}

),

final as (

    select
        -- order
        cast(row_number() over (
            order by
                case when status = 'alert' then 0 else 1 end asc,
                psi desc,
                source_model asc,
                scope asc,
                coalesce(segment_id, -2) asc,
                column_name asc
        ) as integer) as severity_rank,

        -- periods
        current_period,
        baseline_period,

        -- what drifted
        source_model,
        scope,
        segment_id,
        column_name,

        -- drift
        psi,
        status

    from crossed

)

select * from final
