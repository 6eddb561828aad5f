{% macro select_unless_kept_between_retrains(cte) %}
    {#- The last select of a prediction training input (materialized incremental, with
        full_refresh on while prediction_retrain is true): the rows of `cte` when the
        model is rebuilt, and none when it runs incrementally, which happens only
        while prediction_retrain is false, so the table keeps the rows of the last
        retrain and the other CTEs of the model are never evaluated. -#}
    {%- if is_incremental() -%}
        select * from {{ this }} where 1 = 0
    {%- else -%}
        select * from {{ cte }}
    {%- endif -%}
{% endmacro %}
