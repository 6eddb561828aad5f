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
    The model then stages every raw key missing from the table, with all its loads, so
    the result equals a full refresh. Changing the vars that decide verdicts
    (statuses, amount bounds, min_valid_timestamp) needs a --full-refresh. Renders
    nothing on a first build or a --full-refresh.
-#}
{% macro delete_raw_rows_to_restage(raw_table, key, recheck_reasons, lookups) %}
    {% if is_incremental() %}
        delete from {{ this }} as stored
        where
            stored.{{ key }} is null
            or stored.{{ key }} in (
                select {{ clean_string(key) }}
                from {{ source('raw', raw_table) }}
                where
                    {{ parse_raw_timestamp('_loaded_at') }}
                    >= (select max(latest.loaded_at) from {{ this }} as latest)
                    -- a load without a (parsable) load time cannot be placed: restage
                    or {{ parse_raw_timestamp('_loaded_at') }} is null
                union all
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
                    {% endfor %}
            )
    {% endif %}
{% endmacro %}
