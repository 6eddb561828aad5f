-- One row per feature of the var scaled_features with the parameters fitted on
-- customer_features: the median that replaces a missing value, the winsorizing
-- bounds (percentiles of the non-missing raw values) and the mean, population std,
-- min and max of the imputed, winsorized, transformed values. Kept as a table so
-- customers can be scored later with exactly the same scaling.
with

features_long as (

    {{ unpivot_features(ref('customer_features')) }}

),

bounds as (

    select
        feature_name,
        feature_position,
        transform_name,
        {%- set lower = var('winsorize_lower_percentile') %}
        {%- set upper = var('winsorize_upper_percentile') %}
        percentile_cont({{ lower }}) within group (order by feature_value) as lower_bound,
        percentile_cont({{ upper }}) within group (order by feature_value) as upper_bound,
        percentile_cont(0.5) within group (order by feature_value) as median_value,
        max(as_of_date) as as_of_date,
        count(*) as customers,
        count(*) - count(feature_value) as imputed_customers
    from features_long
    group by feature_name, feature_position, transform_name

),

transformed as (

    select
        features_long.feature_name,
        {{ transform_for_scaling('features_long.feature_value', 'bounds.') }} as scaled_value
    from features_long
    inner join bounds
        on features_long.feature_name = bounds.feature_name

),

-- mean and population std from exact decimal sums: avg() and stddev_pop() of doubles
-- depend on the order the engine adds rows in, which changes from run to run; these
-- do not, so a rebuild on the same data gives the same bits
means as (

    select
        feature_name,
        cast(sum(cast(scaled_value as decimal(38, 18))) as double) / count(*) as mean,
        min(scaled_value) as min_value,
        max(scaled_value) as max_value
    from transformed
    group by feature_name

),

moments as (

    select
        means.feature_name,
        means.mean,
        sqrt(
            cast(
                sum(
                    cast(
                        (transformed.scaled_value - means.mean)
                        * (transformed.scaled_value - means.mean)
                        as decimal(38, 18)
                    )
                ) as double
            ) / count(*)
        ) as std,
        means.min_value,
        means.max_value
    from transformed
    inner join means
        on transformed.feature_name = means.feature_name
    group by means.feature_name, means.mean, means.min_value, means.max_value

),

final as (

    select
        -- ids
        bounds.feature_name,
        bounds.feature_position,
        bounds.transform_name,

        -- imputation and winsorizing bounds, raw units
        cast(bounds.median_value as double) as median_value,
        cast(bounds.lower_bound as double) as lower_bound,
        cast(bounds.upper_bound as double) as upper_bound,

        -- moments of the winsorized, transformed values
        moments.mean,
        moments.std,
        moments.min_value,
        moments.max_value,

        -- fitted on
        bounds.customers,
        bounds.imputed_customers,
        bounds.as_of_date

    from bounds
    inner join moments
        on bounds.feature_name = moments.feature_name

)

select * from final
