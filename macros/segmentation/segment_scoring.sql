{#-
    Assign customers to the segments of one stored model version, in set-based SQL
    (the rule of segmentation.clustering.score_segments). Input: a relation or CTE
    `features` with one row per customer and date: customer_id, as_of_date and the
    columns of the var scaled_features (customer_features, or customer_features_monthly
    with month_end as as_of_date). Renders CTEs for a model's WITH clause; the last,
    `<prefix>_result`, has one row per customer and as_of_date: customer_id,
    segment_id, model_version, squared_distance, membership_probability (gmm),
    assigned_as_of, and the input's columns named in `carry` (one value per customer
    and date).

    The version is the latest in segment_centroids unless the var
    segmentation_model_version pins one; with the var model_export_dir the
    centres come from a Parquet export (how the Spark build scores). Each customer's
    features are imputed, winsorized, transformed and standardized with the parameters
    stored with the version; the nearest centre wins (gmm: the most probable diagonal
    Gaussian component with its membership probability; dbscan: the nearest cluster
    mean within its radius, else segment -1).

    The work is wide: the version's parameters and each segment's centre become one
    row with a column per feature, so every customer row meets each segment once
    (rows x k) and its distance is one expression summed in the fixed order of
    scaled_features, which gives the same double on any engine and thread count.
    A feature the version does not use has no centre and adds nothing. The lowest
    segment id wins an exact tie, so the result does not depend on row order. An
    unknown version or a feature the var scaled_features no longer has stops the build
    with a message naming the calling model.
-#}
{% macro segment_scoring(features, prefix='scoring', carry=[]) %}

{{ prefix }}_stored_centroids as (

    select * from {{ stored_model_table('segment_centroids') }}

),

-- the var segmentation_model_version pins a version (roll back); by default the
-- latest one
{{ prefix }}_matching_versions as (

    {{ scored_model_versions(prefix ~ '_stored_centroids') }}

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

-- the version's rows; a feature customer_features no longer scales (var
-- scaled_features) stops the build instead of dropping out of the distance
{{ prefix }}_centroids as (

    select
        {{ prefix }}_stored_centroids.model_version,
        {{ prefix }}_stored_centroids.segment_id,
        case
            when {{ prefix }}_stored_centroids.source_feature in (
                {%- for feature, transform in scaled_features() %}
                    '{{ feature }}'{{ "," if not loop.last }}
                {%- endfor %}
            ) then {{ prefix }}_stored_centroids.source_feature
            else {{ raise_error(
                model.name ~ ': the scored model version uses a feature '
                ~ 'that is not in the var scaled_features; add it back or score another version'
            ) }}
        end as source_feature,
        {{ prefix }}_stored_centroids.transform_name,
        {{ prefix }}_stored_centroids.median_value,
        {{ prefix }}_stored_centroids.lower_bound,
        {{ prefix }}_stored_centroids.upper_bound,
        {{ prefix }}_stored_centroids.scale_mean,
        {{ prefix }}_stored_centroids.scale_std,
        {{ prefix }}_stored_centroids.centre,
        {{ prefix }}_stored_centroids.variance,
        {{ prefix }}_stored_centroids.algorithm,
        {{ prefix }}_stored_centroids.log_weight,
        {{ prefix }}_stored_centroids.radius_squared
    from {{ prefix }}_stored_centroids
    inner join {{ prefix }}_scored_version
        on {{ prefix }}_stored_centroids.model_version = {{ prefix }}_scored_version.model_version

),

-- the version's scaling as one row, six columns per feature (null: not used)
{{ prefix }}_scaling as (

    select
        max(model_version) as model_version,
        {{ pivot_feature_parameters('source_feature', [
            'transform_name', 'median_value', 'lower_bound', 'upper_bound',
            'scale_mean', 'scale_std'
        ]) }}
    from {{ prefix }}_centroids

),

-- one row per segment: its centre (and gmm variance) per feature
{{ prefix }}_segments as (

    select
        segment_id,
        max(algorithm) as algorithm,
        max(log_weight) as log_weight,
        max(radius_squared) as radius_squared,
        {{ pivot_feature_parameters('source_feature', ['centre', 'variance']) }}
    from {{ prefix }}_centroids
    group by segment_id

),

-- imputed, winsorized, transformed and standardized with the version's parameters
{{ prefix }}_standardized as (

    select
        scored_features.customer_id,
        scored_features.as_of_date,
        {%- for column in carry %}
            scored_features.{{ column }},
        {%- endfor %}
        {{ prefix }}_scaling.model_version,
        {%- for feature, transform in scaled_features() %}
            {%- set parameters = prefix ~ '_scaling.' ~ feature ~ '__' %}
            {{ z_score(
                transform_for_scaling('scored_features.' ~ feature, parameters),
                parameters ~ 'scale_mean',
                parameters ~ 'scale_std'
            ) }} as {{ feature }}__z{{ "," if not loop.last }}
        {%- endfor %}
    from {{ features }} as scored_features
    cross join {{ prefix }}_scaling

),

-- every row against every segment: the squared distance and (gmm) the sum of
-- ln(2 pi variance) + (z - mean)^2 / variance, feature by feature in a fixed order
{{ prefix }}_distances as (

    select
        standardized.customer_id,
        standardized.as_of_date,
        {%- for column in carry %}
            standardized.{{ column }},
        {%- endfor %}
        standardized.model_version,
        segments.segment_id,
        segments.algorithm,
        {%- for feature, transform in scaled_features() %}
            {{ "+ " if not loop.first }}coalesce(
                (standardized.{{ feature }}__z - segments.{{ feature }}__centre)
                * (standardized.{{ feature }}__z - segments.{{ feature }}__centre),
                0.0
            )
        {%- endfor %} as squared_distance,
        case
            when segments.algorithm = 'gmm'
                then segments.log_weight - 0.5 * (
                    {%- for feature, transform in scaled_features() %}
                        {{ "+ " if not loop.first }}coalesce(
                            ln(2 * pi() * segments.{{ feature }}__variance)
                            + (standardized.{{ feature }}__z - segments.{{ feature }}__centre)
                            * (standardized.{{ feature }}__z - segments.{{ feature }}__centre)
                            / segments.{{ feature }}__variance,
                            0.0
                        )
                    {%- endfor %}
                )
        end as log_density
    from {{ prefix }}_standardized as standardized
    cross join {{ prefix }}_segments as segments

),

-- per row the winning segment: nearest centre, or for gmm the most probable
-- component; the lowest segment id breaks an exact tie (one aggregation pass)
{%- set winner_keys = [
    "case when algorithm = 'gmm' then -log_density else squared_distance end",
    'segment_id'
] %}
{{ prefix }}_best as (

    select
        customer_id,
        as_of_date,
        max(model_version) as model_version,
        {%- for column in carry %}
            max({{ column }}) as {{ column }},
        {%- endfor %}
        max(algorithm) as algorithm,
        {{ min_by_ordered('segment_id', winner_keys) }} as segment_id,
        {{ min_by_ordered('squared_distance', winner_keys) }} as squared_distance,
        max(log_density) as best_log_density
    from {{ prefix }}_distances
    group by customer_id, as_of_date

),

-- gmm: membership probability of the most probable component, the softmax of the
-- log densities (exact decimal sum over the components)
{{ prefix }}_probabilities as (

    select
        {{ prefix }}_distances.customer_id,
        {{ prefix }}_distances.as_of_date,
        1.0 / cast(
            sum(cast(
                exp({{ prefix }}_distances.log_density - {{ prefix }}_best.best_log_density)
                as decimal(38, 18)
            )) as double
        ) as membership_probability
    from {{ prefix }}_distances
    inner join {{ prefix }}_best
        on
            {{ prefix }}_distances.customer_id = {{ prefix }}_best.customer_id
            and {{ prefix }}_distances.as_of_date = {{ prefix }}_best.as_of_date
    where {{ prefix }}_distances.algorithm = 'gmm'
    group by {{ prefix }}_distances.customer_id, {{ prefix }}_distances.as_of_date

),

{{ prefix }}_result as (

    select
        -- ids
        {{ prefix }}_best.customer_id,
        case
            when
                {{ prefix }}_best.algorithm = 'dbscan'
                and {{ prefix }}_best.squared_distance
                > {{ prefix }}_segments.radius_squared * (1 + 1e-9)
                then -1
            else {{ prefix }}_best.segment_id
        end as segment_id,
        {{ prefix }}_best.model_version,

        -- fit
        {{ prefix }}_best.squared_distance,
        {{ prefix }}_probabilities.membership_probability,

        -- dates
        {{ prefix }}_best.as_of_date as assigned_as_of
        {%- for column in carry %},
            {{ prefix }}_best.{{ column }}
        {%- endfor %}

    from {{ prefix }}_best
    inner join {{ prefix }}_segments
        on {{ prefix }}_best.segment_id = {{ prefix }}_segments.segment_id
    left join {{ prefix }}_probabilities
        on
            {{ prefix }}_best.customer_id = {{ prefix }}_probabilities.customer_id
            and {{ prefix }}_best.as_of_date = {{ prefix }}_probabilities.as_of_date

)

{% endmacro %}
