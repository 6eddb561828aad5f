{#-
    The earliest batch (column write_batch) of an input that an incremental run of
    this model may not have read yet: the latest batch the model's own table holds.
    Rows of an earlier batch were written by earlier runs, which the table's latest
    write read after them; rows of that batch or a later one may be new to it (a run
    that writes no row leaves an older batch, which only widens what is read again).
    Returns none, to read every row, on a first build or a --full-refresh, with an
    empty table, or when this run's batch is lower than the table's (test_pass_log
    was dropped, so batches started again from 1).
    With `input` (the relation whose rows the model reads by batch), also none when
    that batch is no later than the input's earliest: every input row would be read
    anyway (the first incremental run after a full build, where both tables hold the
    build's batch), so the model takes its path for reading everything.
    Rendered while the model compiles, so the batch is a literal in the query: the
    engine filters on it before it joins, which it does not with a subquery's value.
-#}
{% macro first_unseen_batch(input=none) %}
    {%- if not execute or not is_incremental() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set query -%}
        select
            (select max(stored.write_batch) from {{ this }} as stored)
            {%- if input is not none %},
            (select min(input_rows.write_batch) from {{ input }} as input_rows)
            {%- endif %}
    {%- endset -%}
    {%- set row = run_query(query).rows[0] -%}
    {%- set latest = row[0] -%}
    {%- if latest is none or run_batch() < latest | int -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if input is not none and (row[1] is none or latest | int <= row[1] | int) -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(latest | int) }}
{% endmacro %}
