{#-
    The end of in_customer_bucket's filter for one part: ` = <bucket> /* customer
    bucket */`. The post-hook insert_other_customer_buckets finds part 0's in the
    compiled query and puts each other part's in its place, so both take it from here.
-#}
{% macro customer_bucket_marker(bucket) %}
    {{ return(' = ' ~ bucket ~ ' /* customer bucket */') }}
{% endmacro %}

{#- The filter end for every part but `bucket`: ` != <bucket> /* customer bucket */`. -#}
{% macro customer_bucket_marker_other_than(bucket) %}
    {{ return(' != ' ~ bucket ~ ' /* customer bucket */') }}
{% endmacro %}
