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

    The work is wide and row by row: the version's parameters become one row with a
    column per feature, and its segments one row with a slot per segment (their number
    read while the model compiles, macro scored_segment_count), so each customer row
    gets a distance column per segment, each one expression summed in the fixed order
    of scaled_features (the same double on any engine and thread count), and the
    winner is picked within the row: no customers x segments rows, no aggregation.
    A feature the version does not use has no centre and adds nothing. The lowest
    segment id wins an exact tie, so the result does not depend on row order. An
    unknown version or a feature the var scaled_features no longer has stops the build
    with a message naming the calling model.
-#}
{% macro segment_scoring(features, prefix='scoring', carry=[]) %}
{%- set slots = scored_segment_count() %}

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

-- the version's segments as one row: slot i (the i-th segment by id) with its id, gmm
-- weight, dbscan radius and a centre (and gmm variance) per feature
{{ prefix }}_ranked_centroids as (

    select
        {{ prefix }}_centroids.*,
        dense_rank() over (order by {{ prefix }}_centroids.segment_id) as slot
    from {{ prefix }}_centroids

),

{{ prefix }}_segments as (

    select
        max(algorithm) as algorithm,
        {%- for slot in range(1, slots + 1) %}
            max(case when slot = {{ slot }} then segment_id end) as s{{ slot }}__segment_id,
            max(case when slot = {{ slot }} then log_weight end) as s{{ slot }}__log_weight,
            max(case when slot = {{ slot }} then radius_squared end) as s{{ slot }}__radius_squared,
            {{ pivot_feature_parameters(
                'source_feature', ['centre', 'variance'],
                where='slot = ' ~ slot, prefix='s' ~ slot ~ '__',
            ) }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ prefix }}_ranked_centroids

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

-- every row against every segment, one column each: the squared distance and (gmm)
-- the log density, log weight - 0.5 * the sum of ln(2 pi variance) + (z - mean)^2 /
-- variance, feature by feature in a fixed order
{{ prefix }}_distances as (

    select
        standardized.customer_id,
        standardized.as_of_date,
        {%- for column in carry %}
            standardized.{{ column }},
        {%- endfor %}
        standardized.model_version,
        segments.algorithm,
        {%- for slot in range(1, slots + 1) %}
            {%- set centre = 'segments.s' ~ slot ~ '__' %}
            case
                when {{ centre }}segment_id is not null
                    then
                        {%- for feature, transform in scaled_features() %}
                            {{ "+ " if not loop.first }}coalesce(
                                (standardized.{{ feature }}__z - {{ centre }}{{ feature }}__centre)
                                * (standardized.{{ feature }}__z - {{ centre }}{{ feature }}__centre),
                                0.0
                            )
                        {%- endfor %}
            end as squared_distance_{{ slot }},
            case
                when segments.algorithm = 'gmm' and {{ centre }}segment_id is not null
                    then {{ centre }}log_weight - 0.5 * (
                        {%- for feature, transform in scaled_features() %}
                            {{ "+ " if not loop.first }}coalesce(
                                ln(2 * pi() * {{ centre }}{{ feature }}__variance)
                                + (standardized.{{ feature }}__z - {{ centre }}{{ feature }}__centre)
                                * (standardized.{{ feature }}__z - {{ centre }}{{ feature }}__centre)
                                / {{ centre }}{{ feature }}__variance,
                                0.0
                            )
                        {%- endfor %}
                    )
            end as log_density_{{ slot }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ prefix }}_standardized as standardized
    cross join {{ prefix }}_segments as segments

),

-- the winner's key per slot: the squared distance to the centre, or for gmm minus the
-- log density (the most probable component); then the least of them
{{ prefix }}_keyed as (

    select
        {{ prefix }}_distances.*,
        {%- for slot in range(1, slots + 1) %}
            case
                when algorithm = 'gmm' then -log_density_{{ slot }}
                else squared_distance_{{ slot }}
            end as winner_key_{{ slot }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ prefix }}_distances

),

{{ prefix }}_least as (

    select
        {{ prefix }}_keyed.*,
        least(
            {%- for slot in range(1, slots + 1) %}
                winner_key_{{ slot }}{{ ',' if not loop.last }}
            {%- endfor %}
        ) as best_key
    from {{ prefix }}_keyed

),

-- the winner: the first slot whose key is the least, so the lowest segment id wins an
-- exact tie and the result does not depend on row order
{{ prefix }}_best as (

    select
        keyed.customer_id,
        keyed.as_of_date,
        keyed.model_version,
        {%- for column in carry %}
            keyed.{{ column }},
        {%- endfor %}
        keyed.algorithm,
        {%- for column, name in [
            ('segments.s#__segment_id', 'segment_id'),
            ('keyed.squared_distance_#', 'squared_distance'),
            ('segments.s#__radius_squared', 'radius_squared'),
        ] %}
            case
                {%- for slot in range(1, slots + 1) %}
                    when keyed.winner_key_{{ slot }} = keyed.best_key
                        then {{ column | replace('#', slot | string) }}
                {%- endfor %}
            end as {{ name }},
        {%- endfor %}
        -- gmm: membership probability of the most probable component, the softmax of
        -- the log densities (an exact decimal sum over the components, each at most 1)
        case
            when keyed.algorithm = 'gmm'
                then 1.0 / cast(
                    cast(
                        {%- for slot in range(1, slots + 1) %}
                            {{ "+ " if not loop.first }}coalesce(
                                cast(exp(keyed.log_density_{{ slot }} + keyed.best_key) as decimal(20, 18)),
                                cast(0 as decimal(20, 18))
                            )
                        {%- endfor %}
                        as decimal(38, 18)
                    ) as double
                )
        end as membership_probability
    from {{ prefix }}_least as keyed
    cross join {{ prefix }}_segments as segments

),

{{ prefix }}_result as (

    select
        -- ids
        customer_id,
        case
            when
                algorithm = 'dbscan'
                and squared_distance > radius_squared * (1 + 1e-9)
                then -1
            else segment_id
        end as segment_id,
        model_version,

        -- fit
        squared_distance,
        membership_probability,

        -- dates
        as_of_date as assigned_as_of
        {%- for column in carry %},
            {{ column }}
        {%- endfor %}

    from {{ prefix }}_best

)

{% endmacro %}
