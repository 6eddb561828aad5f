-- Drift of the categorical columns segment_id, rfm_segment and country_code between
-- the current and the baseline period, with the chi-square p-value: the rows of the
-- Python model int_categorical_drift_tested under a contract.
with

tested as (

    select * from {{ ref('int_categorical_drift_tested') }}

),

final as (

    select
        -- periods
        cast(current_period as date) as current_period,
        cast(baseline_period as date) as baseline_period,

        -- column
        column_name,

        -- drift
        cast(psi as double) as psi,
        cast(kl_divergence as double) as kl_divergence,
        cast(chi_square as double) as chi_square,
        cast(degrees_of_freedom as integer) as degrees_of_freedom,
        cast(chi_square_p_value as double) as chi_square_p_value,
        status,

        -- support
        cast(categories as integer) as categories,
        cast(baseline_rows as integer) as baseline_rows,
        cast(current_rows as integer) as current_rows

    from tested

)

select * from final
