{#-
    Pre-hook of the incremental base models (base_raw__orders, base_raw__events). On an
    incremental run it deletes every stored row of each key whose rows may change:
      * the key has a raw row loaded at or after the latest stored load (a new load),
        or a raw row without a load time that parses (it cannot be placed in time);
      * a row of the key has a verdict that depends on another table or on the clock:
        its quarantine reason is one of `recheck_reasons` (an orphan whose customer may
        have arrived since, a timestamp that was in the future), or it is staged and its
        value in a column of `lookups` is no longer in the looked-up relation (the
        customer was quarantined by a newer load);
      * the key is null: rows without a key are ranked together, so they are redone.
    The keys go to a temporary table first (macro keys_to_restage names it), so the
    model stages the raw rows of exactly those keys, with all their loads, and the rows
    without a key: the raw keys are matched against that small set instead of against
    every stored key. Every other raw key is stored already, as long as a delivery's
    loads are later than the loads before it (README, "Incremental daily runs"); a
    delivery that breaks this rule leaves raw rows unstaged, which the reconciliation
    test (assert_raw_<table>_reconcile) reports, and a --full-refresh stages them.
    So the result equals a full refresh. Changing the vars that decide verdicts
    (statuses, amount bounds, min_valid_timestamp) needs a --full-refresh. Renders
    nothing on a first build or a --full-refresh.
-#}
{% macro delete_raw_rows_to_restage(raw_table, key, recheck_reasons, lookups) %}
    {% if is_incremental() %}
        create or replace temporary table {{ keys_to_restage() }} as
            select {{ clean_string(key) }} as {{ key }}
            from {{ source('raw', raw_table) }}
            where
                {{ parse_raw_timestamp('_loaded_at') }}
                >= (select max(latest.loaded_at) from {{ this }} as latest)
                -- a load without a (parsable) load time cannot be placed: restage
                or {{ parse_raw_timestamp('_loaded_at') }} is null
            union
            select rechecked.{{ key }}
            from {{ this }} as rechecked
            where
                rechecked.quarantine_reason in ({{ quoted_list(recheck_reasons) }})
                {% for column, relation in lookups.items() %}
                    or (
                        rechecked.row_status = 'staged'
                        and rechecked.{{ column }} not in (
                            select looked_up.{{ column }} from {{ relation }} as looked_up
                        )
                    )
                {% endfor %};
        delete from {{ this }} as stored
        where
            stored.{{ key }} is null
            or stored.{{ key }} in (
                select restaged.{{ key }} from {{ keys_to_restage() }} as restaged
            )
    {% endif %}
{% endmacro %}

{#-
    The temporary table the pre-hook delete_raw_rows_to_restage of an incremental base
    model writes the keys it deleted to (one column, named like the key); the model
    stages the raw rows of those keys. It lives in the connection that builds the model.
-#}
{% macro keys_to_restage() -%}
    {{ this.identifier }}__keys_to_restage
{%- endmacro %}
