{#-
    A select of the model version that scores: the one the var
    segmentation_model_version pins (roll back), by default the latest of
    `centroids` (segment_centroids or its Parquet export). None when the pinned
    version is not stored; segment_scoring then stops the build saying so.
-#}
{% macro scored_model_versions(centroids) %}
    select distinct versions.model_version
    from {{ centroids }} as versions
    where
        {%- if var('segmentation_model_version') is not none %}
            versions.model_version = '{{ var("segmentation_model_version") }}'
        {%- else %}
            versions.version_number = (
                select max(latest.version_number) from {{ centroids }} as latest
            )
        {%- endif %}
{%- endmacro %}
