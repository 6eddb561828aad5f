-- Quality of every candidate number of segments of every model version, with the
-- chosen k marked: the rows of the Python model segmentation_k_metrics under a
-- contract.
with

k_metrics as (

    select * from {{ ref('segmentation_k_metrics') }}

),

final as (

    select
        -- ids
        model_version,
        cast(k as integer) as k,

        -- quality
        cast(silhouette as double) as silhouette,
        cast(davies_bouldin as double) as davies_bouldin,
        cast(calinski_harabasz as double) as calinski_harabasz,
        cast(inertia as double) as inertia,

        -- choice
        is_chosen,
        selection_rule,
        algorithm,

        -- data
        cast(training_rows as integer) as training_rows,
        cast(silhouette_sample_rows as integer) as silhouette_sample_rows,
        data_fingerprint

    from k_metrics

)

select * from final
