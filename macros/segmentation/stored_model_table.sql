{#-
    A table of the fitted model (segment_centroids, segment_personas): the dbt model, or
    with the var model_export_dir its Parquet export `<dir>/<table>.parquet` written by
    `python -m segmentation.model_export` (how the Spark build reads the model: it runs
    no Python). A model that calls this declares a depends_on comment on the ref, so
    the build order holds either way.
-#}
{% macro stored_model_table(table_name) %}
    {%- if var('model_export_dir') is not none -%}
        {{ parquet_relation(var('model_export_dir') ~ '/' ~ table_name ~ '.parquet') }}
    {%- else -%}
        {{ ref(table_name) }}
    {%- endif -%}
{% endmacro %}
