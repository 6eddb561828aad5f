-- Every eligible customer assigned to the nearest centre of the segmentation in
-- segment_centroids: customers x k centres, squared Euclidean distance over the
-- features of the var segmentation_features (the scaled columns of
-- customer_features_scaled), lowest segment id on an exact tie. Set-based SQL, so
-- the per-customer work runs on any engine; only the fit needs Python.
-- segment_centroids keeps every model version: the latest is scored unless the var
-- segmentation_model_version pins another. With the var scoring_centroids_path the
-- centres come from a Parquet export of segment_centroids instead (how the Spark
-- build scores: it runs no Python).
-- depends_on: {{ ref('segment_centroids') }}
{%- set features = var('segmentation_features') %}
with

customers as (

    select * from {{ ref('customer_features_scaled') }}

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

scored_version as (

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

centroids as (

    select stored_centroids.*
    from stored_centroids
    inner join scored_version
        on stored_centroids.model_version = scored_version.model_version

),

centres as (

    select
        model_version,
        {%- for feature in features %}
            max(case when feature_name = '{{ feature }}' then centre end) as {{ feature }}__centre,
        {%- endfor %}
        segment_id
    from centroids
    group by model_version, segment_id

),

differences as (

    select
        customers.customer_id,
        customers.as_of_date,
        centres.model_version,
        {%- for feature in features %}
            customers.{{ feature }} - centres.{{ feature }}__centre as {{ feature }}__difference,
        {%- endfor %}
        centres.segment_id
    from customers
    cross join centres

),

distances as (

    select
        customer_id,
        as_of_date,
        model_version,
        segment_id,
        -- summed left to right in the order of the var, as the tests' numpy does
        {%- for feature in features %}
            {{ "+ " if not loop.first }}{{ feature }}__difference * {{ feature }}__difference
        {%- endfor %}
            as squared_distance
    from differences

),

ranked as (

    select
        *,
        row_number() over (
            partition by customer_id
            order by squared_distance asc, segment_id asc
        ) as distance_rank
    from distances

),

final as (

    select
        -- ids
        customer_id,
        segment_id,
        model_version,

        -- fit
        squared_distance,

        -- dates
        as_of_date as assigned_as_of

    from ranked
    where distance_rank = 1

)

select * from final
