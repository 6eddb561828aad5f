{#-
    Assign customers to the segments of one stored model version, in set-based SQL
    (the rule of segmentation.clustering.score_segments). Input: a relation or CTE
    `features_long` with one row per customer, date and feature: customer_id,
    as_of_date, feature_name, feature_value (double, may be null), for example from
    macro unpivot_features. Renders CTEs for a model's WITH clause; the last,
    `<prefix>_result`, has one row per customer and as_of_date: customer_id,
    segment_id, model_version, squared_distance, membership_probability (gmm),
    assigned_as_of.

    The version is the latest in segment_centroids unless the var
    segmentation_model_version pins one; with the var model_export_dir the
    centres come from a Parquet export (how the Spark build scores). Each customer's
    features are imputed, winsorized, transformed and standardized with the parameters
    stored with the version; the nearest centre wins (gmm: the most probable diagonal
    Gaussian component with its membership probability; dbscan: the nearest cluster
    mean within its radius, else segment -1). Sums over features are exact decimals
    and the lowest segment id wins an exact tie, so the result does not depend on row
    order. An unknown version or a feature the var scaled_features no longer has stops
    the build with a message naming the calling model.
-#}
{% macro segment_scoring(features_long, prefix='scoring') %}

{{ prefix }}_stored_centroids as (

    select * from {{ stored_model_table('segment_centroids') }}

),

-- the var segmentation_model_version pins a version (roll back); by default the
-- latest one
{{ prefix }}_latest_version as (

    select max(version_number) as version_number from {{ prefix }}_stored_centroids

),

{{ prefix }}_matching_versions as (

    select distinct {{ prefix }}_stored_centroids.model_version
    from {{ prefix }}_stored_centroids
    cross join {{ prefix }}_latest_version
    where
        {%- if var('segmentation_model_version') is not none %}
            {{ prefix }}_stored_centroids.model_version = '{{ var("segmentation_model_version") }}'
        {%- else %}
            {{ prefix }}_stored_centroids.version_number = {{ prefix }}_latest_version.version_number
        {%- endif %}

),

-- exactly one version, or the build stops saying why
{{ prefix }}_scored_version as (

    select
        case
            when count(*) = 1 then max(model_version)
            else {{ raise_error(
                model.name ~ ': no stored model version '
                ~ (var('segmentation_model_version') or '(latest)')
                ~ ' in segment_centroids (or the export in model_export_dir); '
                ~ 'see segmentation_runs for the versions'
            ) }}
        end as model_version
    from {{ prefix }}_matching_versions

),

{{ prefix }}_centroids as (

    select {{ prefix }}_stored_centroids.*
    from {{ prefix }}_stored_centroids
    inner join {{ prefix }}_scored_version
        on {{ prefix }}_stored_centroids.model_version = {{ prefix }}_scored_version.model_version

),

-- the version's {{ prefix }}_scaling, one row per feature; a feature customer_features no longer
-- scales (var scaled_features) stops the build instead of dropping out of the distance
{{ prefix }}_scaling as (

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
                model.name ~ ': the scored model version uses a feature '
                ~ 'that is not in the var scaled_features; add it back or score another version'
            ) }}
        end as source_feature,
        transform_name,
        median_value,
        lower_bound,
        upper_bound,
        scale_mean,
        scale_std
    from {{ prefix }}_centroids

),

{{ prefix }}_transformed as (

    select
        scored_features.customer_id,
        scored_features.as_of_date,
        feature_scaling.model_version,
        feature_scaling.feature_name,
        feature_scaling.scale_mean,
        feature_scaling.scale_std,
        {{ apply_scaling_transform(
            winsorize(
                'coalesce(scored_features.feature_value, feature_scaling.median_value)',
                'feature_scaling.lower_bound',
                'feature_scaling.upper_bound'
            ),
            'feature_scaling.transform_name'
        ) }} as transformed_value
    from {{ features_long }} as scored_features
    inner join {{ prefix }}_scaling as feature_scaling
        on scored_features.feature_name = feature_scaling.source_feature

),

{{ prefix }}_standardized as (

    select
        customer_id,
        as_of_date,
        model_version,
        feature_name,
        {{ z_score('transformed_value', 'scale_mean', 'scale_std') }} as z_value
    from {{ prefix }}_transformed

),

{{ prefix }}_distances as (

    select
        {{ prefix }}_standardized.customer_id,
        {{ prefix }}_standardized.as_of_date,
        {{ prefix }}_standardized.model_version,
        {{ prefix }}_centroids.segment_id,
        max({{ prefix }}_centroids.algorithm) as algorithm,
        max({{ prefix }}_centroids.log_weight) as log_weight,
        max({{ prefix }}_centroids.radius_squared) as radius_squared,
        -- gmm: sum of ln(2 pi variance) + (z - mean)^2 / variance (null otherwise)
        sum(
            cast(
                ln(2 * pi() * {{ prefix }}_centroids.variance)
                + ({{ prefix }}_standardized.z_value - {{ prefix }}_centroids.centre)
                * ({{ prefix }}_standardized.z_value - {{ prefix }}_centroids.centre)
                / {{ prefix }}_centroids.variance
                as decimal(38, 18)
            )
        ) as gaussian_sum,
        -- exact decimal sum: the same in any summation order, so ties and the
        -- stored distance do not depend on how the engine parallelizes
        sum(
            cast(
                ({{ prefix }}_standardized.z_value - {{ prefix }}_centroids.centre)
                * ({{ prefix }}_standardized.z_value - {{ prefix }}_centroids.centre)
                as decimal(38, 18)
            )
        ) as squared_distance
    from {{ prefix }}_standardized
    inner join {{ prefix }}_centroids
        on
            {{ prefix }}_standardized.model_version = {{ prefix }}_centroids.model_version
            and {{ prefix }}_standardized.feature_name = {{ prefix }}_centroids.feature_name
    group by
        {{ prefix }}_standardized.customer_id,
        {{ prefix }}_standardized.as_of_date,
        {{ prefix }}_standardized.model_version,
        {{ prefix }}_centroids.segment_id

),

{{ prefix }}_scored as (

    select
        *,
        -- gmm: log of weight x density of the component
        log_weight - 0.5 * cast(gaussian_sum as double) as log_density
    from {{ prefix }}_distances

),

{{ prefix }}_ranked as (

    select
        *,
        row_number() over (
            partition by customer_id, as_of_date
            order by
                case
                    when algorithm = 'gmm' then -log_density
                    else cast(squared_distance as double)
                end asc,
                segment_id asc
        ) as distance_rank,
        max(log_density) over (partition by customer_id, as_of_date) as best_log_density
    from {{ prefix }}_scored

),

-- gmm: membership probability of the most probable component, the softmax of the
-- log densities (exact decimal sum over the components)
{{ prefix }}_probabilities as (

    select
        customer_id,
        as_of_date,
        1.0 / cast(
            sum(cast(exp(log_density - best_log_density) as decimal(38, 18))) as double
        ) as membership_probability
    from {{ prefix }}_ranked
    where algorithm = 'gmm'
    group by customer_id, as_of_date

),

{{ prefix }}_result as (

    select
        -- ids
        {{ prefix }}_ranked.customer_id,
        case
            when
                {{ prefix }}_ranked.algorithm = 'dbscan'
                and cast({{ prefix }}_ranked.squared_distance as double)
                > {{ prefix }}_ranked.radius_squared * (1 + 1e-9)
                then -1
            else {{ prefix }}_ranked.segment_id
        end as segment_id,
        {{ prefix }}_ranked.model_version,

        -- fit
        cast({{ prefix }}_ranked.squared_distance as double) as squared_distance,
        {{ prefix }}_probabilities.membership_probability,

        -- dates
        {{ prefix }}_ranked.as_of_date as assigned_as_of

    from {{ prefix }}_ranked
    left join {{ prefix }}_probabilities
        on
            {{ prefix }}_ranked.customer_id = {{ prefix }}_probabilities.customer_id
            and {{ prefix }}_ranked.as_of_date = {{ prefix }}_probabilities.as_of_date
    where {{ prefix }}_ranked.distance_rank = 1

)

{% endmacro %}
