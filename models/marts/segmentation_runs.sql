-- The model registry, one row per model version: the rows of the Python model
-- segmentation_model_registry under a contract.
with

registry as (

    select * from {{ ref('segmentation_model_registry') }}

),

final as (

    select
        -- ids
        model_version,
        cast(version_number as integer) as version_number,
        previous_model_version,

        -- timestamps
        cast(trained_at as timestamp) as trained_at,
        cast(trained_as_of as date) as trained_as_of,

        -- settings
        algorithm,
        params,
        cast(k as integer) as k,
        selection_rule,

        -- data
        cast(training_rows as integer) as training_rows,
        feature_list,
        data_fingerprint,

        -- quality
        cast(silhouette as double) as silhouette,
        cast(davies_bouldin as double) as davies_bouldin,
        cast(calinski_harabasz as double) as calinski_harabasz,
        cast(inertia as double) as inertia,
        cast(adjusted_rand_vs_previous as double) as adjusted_rand_vs_previous

    from registry

)

select * from final
