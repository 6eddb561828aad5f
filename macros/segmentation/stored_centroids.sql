{#-
    The stored model versions to score with: segment_centroids, or with the var
    scoring_centroids_path its Parquet export (how the Spark build scores: it runs no
    Python). A model that calls this must declare
    `-- depends_on: {{ ref('segment_centroids') }}`, so the order holds either way.
-#}
{% macro stored_centroids() %}
    {%- if var('scoring_centroids_path') is not none -%}
        {{ parquet_relation(var('scoring_centroids_path')) }}
    {%- else -%}
        {{ ref('segment_centroids') }}
    {%- endif -%}
{% endmacro %}
