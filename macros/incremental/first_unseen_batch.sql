{#-
    The earliest batch (column write_batch) of an input that an incremental run of
    this model may not have read yet: the latest batch the model's own table holds.
    Rows of an earlier batch were written by earlier runs, which the table's latest
    write read after them; rows of that batch or a later one may be new to it (a run
    that writes no row leaves an older batch, which only widens what is read again).
    Returns none, to read every row, on a first build or a --full-refresh, with an
    empty table, or when this run's batch is lower than the table's (test_pass_log
    was dropped, so batches started again from 1).
    Rendered while the model compiles, so the batch is a literal in the query: the
    engine filters on it before it joins, which it does not with a subquery's value.
-#}
{% macro first_unseen_batch() %}
    {%- if not execute or not is_incremental() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set query -%}
        select max(write_batch) from {{ this }}
    {%- endset -%}
    {%- set latest = run_query(query).columns[0].values()[0] -%}
    {%- if latest is none or run_batch() < latest | int -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(latest | int) }}
{% endmacro %}
