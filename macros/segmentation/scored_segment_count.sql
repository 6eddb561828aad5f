{#-
    The number of segments of the model version segment_scoring scores (the latest in
    segment_centroids, or the pinned one, or from the export in model_export_dir), read
    while the model compiles: the query gets a column per segment, so it must know how
    many. 1 when not executing (parse, lint), when segment_centroids does not exist
    yet, or when no version matches (the query then stops saying so).
-#}
{% macro scored_segment_count() %}
    {%- if not execute -%}
        {{ return(1) }}
    {%- endif -%}
    {%- if var('model_export_dir') is none -%}
        {%- set stored = ref('segment_centroids') -%}
        {%- if adapter.get_relation(stored.database, stored.schema, stored.identifier) is none -%}
            {{ return(1) }}
        {%- endif -%}
    {%- endif -%}
    {%- set centroids = stored_model_table('segment_centroids') -%}
    {%- set query -%}
        select count(distinct centroids.segment_id)
        from {{ centroids }} as centroids
        where centroids.model_version in ({{ scored_model_versions(centroids) }})
    {%- endset -%}
    {%- set segments = run_query(query).rows[0][0] | int -%}
    {{ return([segments, 1] | max) }}
{% endmacro %}
