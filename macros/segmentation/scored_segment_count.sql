{#-
    The number of segments of the model version segment_scoring scores (the latest in
    segment_centroids, or the pinned one, or from the export in model_export_dir), read
    while the model compiles: the query gets a column per segment, so it must know how
    many. 1 when not executing (parse, lint), when segment_centroids does not exist
    yet, or when no version matches (the query then stops saying so).
-#}
{% macro scored_segment_count() %}
    {#- parse time, and lint (which compiles against an empty warehouse) -#}
    {%- if not execute
        or (var('model_export_dir') is none
            and load_relation(ref('segment_centroids')) is none) -%}
        {{ return(1) }}
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
