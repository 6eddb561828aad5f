-- Every eligible customer assigned to a segment of one model version of
-- segment_centroids, in set-based SQL, so the per-customer work runs on any engine
-- (only the fit needs Python). The rule depends on the version's algorithm (the same
-- as segmentation.clustering.score_segments): the nearest centre; for gmm the most
-- probable diagonal Gaussian component, with its membership probability; for dbscan
-- the nearest cluster mean if within the cluster's radius, else segment -1
-- (outliers). The version carries its own scaling: each customer's
-- features (customer_features) are imputed, winsorized, transformed and standardized
-- with the parameters stored with the centres, so a version scores the same way
-- after the scaling was refitted (var segmentation_retrain false, or a pinned older
-- version). Sums over features are exact decimals (the same result in any row
-- order); the lowest segment id wins an exact tie.
-- The latest version is scored unless the var segmentation_model_version pins
-- another (roll back). With the var scoring_centroids_path the centres come from a
-- Parquet export of segment_centroids (how the Spark build scores: it runs no Python).
-- depends_on: {{ ref('segment_centroids') }}
with

features_long as (

    {{ unpivot_features(ref('customer_features')) }}

),

stored_centroids as (

    {%- if var('scoring_centroids_path') is not none %}
        select * from {{ parquet_relation(var('scoring_centroids_path')) }}
    {%- else %}
        select * from {{ ref('segment_centroids') }}
    {%- endif %}

),

-- the var segmentation_model_version pins a version (roll back); by default the
-- latest one
latest_version as (

    select max(version_number) as version_number from stored_centroids

),

matching_versions as (

    select distinct stored_centroids.model_version
    from stored_centroids
    cross join latest_version
    where
        {%- if var('segmentation_model_version') is not none %}
            stored_centroids.model_version = '{{ var("segmentation_model_version") }}'
        {%- else %}
            stored_centroids.version_number = latest_version.version_number
        {%- endif %}

),

-- exactly one version, or the build stops saying why
scored_version as (

    select
        case
            when count(*) = 1 then max(model_version)
            else {{ raise_error(
                'customer_segment_assignments: no stored model version '
                ~ (var('segmentation_model_version') or '(latest)')
                ~ ' in segment_centroids (or the export in scoring_centroids_path); '
                ~ 'see segmentation_runs for the versions'
            ) }}
        end as model_version
    from matching_versions

),

centroids as (

    select stored_centroids.*
    from stored_centroids
    inner join scored_version
        on stored_centroids.model_version = scored_version.model_version

),

-- the version's scaling, one row per feature; a feature customer_features no longer
-- scales (var scaled_features) stops the build instead of dropping out of the distance
scaling as (

    select distinct
        model_version,
        feature_name,
        case
            when source_feature in (
                {%- for feature, transform in scaled_features() %}
                    '{{ feature }}'{{ "," if not loop.last }}
                {%- endfor %}
            ) then source_feature
            else {{ raise_error(
                'customer_segment_assignments: the scored model version uses a feature '
                ~ 'that is not in the var scaled_features; add it back or score another version'
            ) }}
        end as source_feature,
        transform_name,
        median_value,
        lower_bound,
        upper_bound,
        scale_mean,
        scale_std
    from centroids

),

transformed as (

    select
        features_long.customer_id,
        features_long.as_of_date,
        scaling.model_version,
        scaling.feature_name,
        scaling.scale_mean,
        scaling.scale_std,
        {{ apply_scaling_transform(
            winsorize(
                'coalesce(features_long.feature_value, scaling.median_value)',
                'scaling.lower_bound',
                'scaling.upper_bound'
            ),
            'scaling.transform_name'
        ) }} as transformed_value
    from features_long
    inner join scaling
        on features_long.feature_name = scaling.source_feature

),

standardized as (

    select
        customer_id,
        as_of_date,
        model_version,
        feature_name,
        {{ z_score('transformed_value', 'scale_mean', 'scale_std') }} as z_value
    from transformed

),

distances as (

    select
        standardized.customer_id,
        standardized.model_version,
        centroids.segment_id,
        max(centroids.algorithm) as algorithm,
        max(centroids.log_weight) as log_weight,
        max(centroids.radius_squared) as radius_squared,
        max(standardized.as_of_date) as as_of_date,
        -- gmm: sum of ln(2 pi variance) + (z - mean)^2 / variance (null otherwise)
        sum(
            cast(
                ln(2 * pi() * centroids.variance)
                + (standardized.z_value - centroids.centre)
                * (standardized.z_value - centroids.centre)
                / centroids.variance
                as decimal(38, 18)
            )
        ) as gaussian_sum,
        -- exact decimal sum: the same in any summation order, so ties and the
        -- stored distance do not depend on how the engine parallelizes
        sum(
            cast(
                (standardized.z_value - centroids.centre)
                * (standardized.z_value - centroids.centre)
                as decimal(38, 18)
            )
        ) as squared_distance
    from standardized
    inner join centroids
        on
            standardized.model_version = centroids.model_version
            and standardized.feature_name = centroids.feature_name
    group by standardized.customer_id, standardized.model_version, centroids.segment_id

),

scored as (

    select
        *,
        -- gmm: log of weight x density of the component
        log_weight - 0.5 * cast(gaussian_sum as double) as log_density
    from distances

),

ranked as (

    select
        *,
        row_number() over (
            partition by customer_id
            order by
                case
                    when algorithm = 'gmm' then -log_density
                    else cast(squared_distance as double)
                end asc,
                segment_id asc
        ) as distance_rank,
        max(log_density) over (partition by customer_id) as best_log_density
    from scored

),

-- gmm: membership probability of the most probable component, the softmax of the
-- log densities (exact decimal sum over the components)
probabilities as (

    select
        customer_id,
        1.0 / cast(
            sum(cast(exp(log_density - best_log_density) as decimal(38, 18))) as double
        ) as membership_probability
    from ranked
    where algorithm = 'gmm'
    group by customer_id

),

final as (

    select
        -- ids
        ranked.customer_id,
        case
            when
                ranked.algorithm = 'dbscan'
                and cast(ranked.squared_distance as double)
                > ranked.radius_squared * (1 + 1e-9)
                then -1
            else ranked.segment_id
        end as segment_id,
        ranked.model_version,

        -- fit
        cast(ranked.squared_distance as double) as squared_distance,
        probabilities.membership_probability,

        -- dates
        ranked.as_of_date as assigned_as_of

    from ranked
    left join probabilities
        on ranked.customer_id = probabilities.customer_id
    where ranked.distance_rank = 1

)

select * from final
