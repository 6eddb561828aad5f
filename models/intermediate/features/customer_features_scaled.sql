-- customer_features scaled with the parameters in customer_scaling_parameters: each
-- feature of the var scaled_features is imputed (a missing value becomes the median),
-- winsorized, transformed, then standardized
-- (<feature>_z, for clustering) and min-max scaled (<feature>_01, for display).
-- Wide: the parameters become one row with columns per feature, so each customer row
-- is scaled in one projection (no unpivot and re-pivot of customers x features).
with

features as (

    select * from {{ ref('customer_features') }}

),

parameters as (

    select * from {{ ref('customer_scaling_parameters') }}

),

-- one row, eight columns per feature
parameters_by_feature as (

    select
        {{ pivot_feature_parameters('feature_name', [
            'transform_name', 'median_value', 'lower_bound', 'upper_bound',
            'mean', 'std', 'min_value', 'max_value'
        ]) }}
    from parameters

),

transformed as (

    select
        features.customer_id,
        {%- for feature, transform in scaled_features() %}
            {{ transform_for_scaling(
                'features.' ~ feature, 'parameters_by_feature.' ~ feature ~ '__'
            ) }} as {{ feature }}__scaled,
        {%- endfor %}
        features.as_of_date
    from features
    cross join parameters_by_feature

),

final as (

    select
        -- ids
        transformed.customer_id,

        -- standardized: the input of clustering
        {%- for feature, transform in scaled_features() %}
            {%- set p = 'parameters_by_feature.' ~ feature ~ '__' %}
            {{ z_score(
                'transformed.' ~ feature ~ '__scaled', p ~ 'mean', p ~ 'std'
            ) }} as {{ feature }}_z,
        {%- endfor %}

        -- min-max scaled to [0, 1], for display
        {%- for feature, transform in scaled_features() %}
            {%- set p = 'parameters_by_feature.' ~ feature ~ '__' %}
            {{ min_max_scale(
                'transformed.' ~ feature ~ '__scaled', p ~ 'min_value', p ~ 'max_value'
            ) }} as {{ feature }}_01,
        {%- endfor %}

        -- dates
        transformed.as_of_date

    from transformed
    cross join parameters_by_feature

)

select * from final
