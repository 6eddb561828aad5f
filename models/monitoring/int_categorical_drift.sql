-- PSI, KL divergence and the chi-square statistic of every monitored categorical
-- column (segment_id, rfm_segment, country_code) between the current and the
-- baseline period (macro categorical_drift over int_categorical_values_for_drift),
-- with status from psi_warn / psi_alert. The Python model segment_drift adds the
-- chi-square p-value.
with

category_values as (

    select * from {{ ref('int_categorical_values_for_drift') }}

),

periods as (

    select distinct
        current_period,
        baseline_period
    from {{ ref('int_drift_periods') }}
    where is_latest_period

),

{{ categorical_drift('category_values') }},

final as (

    select
        -- periods
        periods.current_period,
        periods.baseline_period,

        -- column
        categorical_result.column_name,

        -- drift
        categorical_result.psi,
        categorical_result.kl_divergence,
        categorical_result.chi_square,
        cast(categorical_result.degrees_of_freedom as integer) as degrees_of_freedom,
        {{ drift_status('categorical_result.psi') }} as status,

        -- support
        cast(categorical_result.categories as integer) as categories,
        cast(categorical_result.baseline_rows as integer) as baseline_rows,
        cast(categorical_result.current_rows as integer) as current_rows

    from categorical_result
    cross join periods

)

select * from final
