-- customer_features scaled with the parameters in customer_scaling_parameters: each
-- feature of the var scaled_features is imputed (a missing value becomes the median),
-- winsorized, transformed, then standardized
-- (<feature>_z, for clustering) and min-max scaled (<feature>_01, for display).
with

features_long as (

    {{ unpivot_features(ref('customer_features')) }}

),

parameters as (

    select * from {{ ref('customer_scaling_parameters') }}

),

transformed as (

    select
        features_long.customer_id,
        features_long.as_of_date,
        features_long.feature_name,
        parameters.mean,
        parameters.std,
        parameters.min_value,
        parameters.max_value,
        {{ apply_scaling_transform(
            winsorize(
                'coalesce(features_long.feature_value, parameters.median_value)',
                'parameters.lower_bound',
                'parameters.upper_bound'
            ),
            'parameters.transform_name'
        ) }} as scaled_value
    from features_long
    inner join parameters
        on features_long.feature_name = parameters.feature_name

),

scaled as (

    select
        customer_id,
        as_of_date,
        feature_name,
        {{ z_score('scaled_value', 'mean', 'std') }} as z_value,
        {{ min_max_scale('scaled_value', 'min_value', 'max_value') }} as unit_value
    from transformed

),

final as (

    select
        -- ids
        customer_id,

        -- standardized: the input of clustering
        {%- for feature, transform in scaled_features() %}
            max(case when feature_name = '{{ feature }}' then z_value end) as {{ feature }}_z,
        {%- endfor %}

        -- min-max scaled to [0, 1], for display
        {%- for feature, transform in scaled_features() %}
            max(case when feature_name = '{{ feature }}' then unit_value end) as {{ feature }}_01,
        {%- endfor %}

        -- dates
        max(as_of_date) as as_of_date

    from scaled
    group by customer_id

)

select * from final
