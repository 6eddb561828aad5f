{#-
    The customers named by any load (every version, any status) of an order or an
    event that has a raw row loaded at or after the latest load the model's table
    counted (its column last_loaded_at): the customers whose activity a new load may
    have changed, including the customer an order or event was moved away from.
-#}
{% macro customers_named_by_new_loads() %}
    {%- for base, key in [('base_raw__orders', 'order_id'), ('base_raw__events', 'event_id')] %}
        select named.customer_id
        from {{ ref(base) }} as named
        where named.{{ key }} in (
            select loaded.{{ key }}
            from {{ ref(base) }} as loaded
            where
                loaded.loaded_at
                >= (select max(latest.last_loaded_at) from {{ this }} as latest)
        )
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{% endmacro %}

{#-
    True when the customer `column` is no longer eligible (consent withdrawn, deletion
    requested): the incremental pre-hooks delete such customers' rows.
-#}
{% macro no_longer_eligible(column) %}
    {{ column }} not in (
        select eligible.customer_id
        from {{ ref('int_customers_filtered_to_eligible') }} as eligible
    )
{%- endmacro %}

{#-
    A left join of the keys stored in the model's table to the rows of `alias`; with
    `missing_from_this()` in the where clause, the rows with no stored row of the same
    keys remain. After its pre-hook deleted what may have changed, an incremental model
    adds exactly those. A row whose key is null matches nothing, so it remains; a key
    stored in several rows (the loads of an order) multiplies only rows that the
    predicate drops. A join, not a correlated `not exists`: DuckDB decorrelates that by
    grouping every outer key first (README "Benchmark" has the figures).
-#}
{% macro join_stored_keys(alias, keys) %}
    left join (
        select
            {%- for key in keys %}
                {{ key }},
            {%- endfor %}
            true as is_stored
        from {{ this }}
    ) as stored_keys
        on
        {%- for key in keys %}
            {{ 'and ' if not loop.first }}stored_keys.{{ key }} = {{ alias }}.{{ key }}
        {%- endfor %}
{%- endmacro %}

{#- True for the rows that join_stored_keys found no stored row for. -#}
{% macro missing_from_this() -%}
    stored_keys.is_stored is null
{%- endmacro %}

{#-
    Pre-hook of int_customer_activity_aggregated_to_days on incremental runs: deletes
    every stored customer whose days may change, so that the following run, which adds
    the eligible customers missing from the table, leaves what a full refresh builds:
      * named by a load at or after the latest load counted in the table,
      * with an order or event on a day that enters the range (as_of_date moved on)
        or a stored day that leaves it (as_of_date moved back),
      * no longer eligible (consent withdrawn, deletion requested).
    Renders nothing on a first build or a --full-refresh.
-#}
{% macro delete_changed_activity_days() %}
    {% if is_incremental() %}
        {{ require_stored_columns(['last_loaded_at']) }}
        delete from {{ this }} as stored
        where
            {{ no_longer_eligible('stored.customer_id') }}
            or stored.customer_id in (
                {{ customers_named_by_new_loads() }}
                union all
                select orders.customer_id
                from {{ ref('int_orders_converted_to_usd') }} as orders
                cross join {{ ref('int_as_of_date') }} as as_of
                where
                    orders.order_date <= as_of.as_of_date
                    and orders.order_date > (
                        select max(latest.activity_date) from {{ this }} as latest
                    )
                union all
                select events.customer_id
                from {{ ref('stg_raw__events') }} as events
                cross join {{ ref('int_as_of_date') }} as as_of
                where
                    cast(events.occurred_at as date) <= as_of.as_of_date
                    and cast(events.occurred_at as date) > (
                        select max(latest.activity_date) from {{ this }} as latest
                    )
                union all
                select later.customer_id
                from {{ this }} as later
                cross join {{ ref('int_as_of_date') }} as as_of
                where later.activity_date > as_of.as_of_date
            )
    {% endif %}
{% endmacro %}

{#-
    Pre-hook of customer_features_monthly on incremental runs: deletes every stored
    row when the month ends of the history moved (a new month end, an earlier first
    activity, another feature_history_months), else every stored customer whose rows
    may change, so that the following run, which adds the eligible customers missing
    from the table, leaves what a full refresh builds:
      * named by a load at or after the latest load counted in the table,
      * whose latest counted load differs from the daily activity's now,
      * whose signup date changed (the tenure at the latest month end differs),
      * no longer eligible.
    Renders nothing on a first build or a --full-refresh.
-#}
{% macro delete_changed_monthly_features() %}
    {% if is_incremental() %}
        {{ require_stored_columns(['last_loaded_at']) }}
        {%- set month_ends = ref('int_feature_month_ends') %}
        delete from {{ this }} as stored
        where
            exists (
                select stored_month.month_end from {{ this }} as stored_month
                except
                select history.month_end from {{ month_ends }} as history
                where history.is_in_history
            )
            or exists (
                select history.month_end from {{ month_ends }} as history
                where history.is_in_history
                except
                select stored_month.month_end from {{ this }} as stored_month
            )
            or {{ no_longer_eligible('stored.customer_id') }}
            or stored.customer_id in (
                {{ customers_named_by_new_loads() }}
                union all
                select latest.customer_id
                from {{ this }} as latest
                inner join {{ ref('int_customers_filtered_to_eligible') }} as eligible
                    on latest.customer_id = eligible.customer_id
                left join (
                    select
                        days.customer_id,
                        max(days.last_loaded_at) as last_loaded_at
                    from {{ ref('int_customer_activity_aggregated_to_days') }} as days
                    group by days.customer_id
                ) as activity
                    on latest.customer_id = activity.customer_id
                where
                    latest.month_end = (
                        select max(last_month.month_end) from {{ this }} as last_month
                    )
                    and (
                        latest.last_loaded_at is distinct from activity.last_loaded_at
                        or latest.tenure_days != {{ days_between(
                            'cast(eligible.signup_at as date)', 'latest.month_end'
                        ) }}
                    )
            )
    {% endif %}
{% endmacro %}

{#-
    A fingerprint (macro row_fingerprint) of the columns the scoring reads (the var
    scaled_features) in `relation`: a row whose fingerprint is unchanged scores the same
    with the same model version.
-#}
{% macro scoring_inputs_hash(relation) %}
    {%- set columns = [] %}
    {%- for feature, transform in scaled_features() %}
        {%- do columns.append(relation ~ '.' ~ feature) %}
    {%- endfor %}
    {{ row_fingerprint(columns) }}
{%- endmacro %}

{#-
    Pre-hook of int_customer_segments_by_month on incremental runs: deletes every
    stored row when the model version that scores changed or the history has a new
    latest month end, else every row whose monthly features changed (their hash
    differs) or are gone. The model then scores the rows missing from the table, so the
    result equals a full refresh. Changing segment_history_months or the drift periods
    needs a --full-refresh. Renders nothing on a first build or a --full-refresh.
-#}
{% macro delete_changed_segments_by_month() %}
    {% if is_incremental() %}
        {{ require_stored_columns(['features_hash']) }}
        {%- set centroids = stored_model_table('segment_centroids') %}
        {%- set monthly = ref('customer_features_monthly') %}
        delete from {{ this }} as stored
        where
            stored.model_version not in ({{ scored_model_versions(centroids) }})
            or (select max(scored.month_end) from {{ this }} as scored)
            != (select max(history.month_end) from {{ monthly }} as history)
            -- an uncorrelated row comparison: DuckDB plans the correlated `not exists`
            -- it replaces by grouping every stored row first (twice as slow on the 1M
            -- daily run). No column here is null (tested), so `not in` is exact
            or (stored.customer_id, stored.month_end, stored.features_hash) not in (
                select
                    monthly.customer_id,
                    monthly.month_end,
                    {{ scoring_inputs_hash('monthly') }}
                from {{ monthly }} as monthly
            )
    {% endif %}
{% endmacro %}

{#-
    Stops an incremental run with a clear message when the stored table lacks a column
    the incremental logic needs: a table built by an earlier version of the project
    (before the model was incremental) is rebuilt with --full-refresh once.
-#}
{% macro require_stored_columns(columns) %}
    {%- set stored = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list %}
    {%- set missing = columns | reject('in', stored) | list %}
    {%- if missing %}
        {{ exceptions.raise_compiler_error(
            this.identifier ~ ': the stored table has no column ' ~ missing | join(', ')
            ~ ' (it was built by an earlier version of the project, before the model was '
            ~ 'incremental); rebuild once with dbt build --full-refresh'
        ) }}
    {%- endif %}
{% endmacro %}

{#-
    Pre-hook of customer_prediction_history: the stored snapshot of the month being
    written (a later build in the same month replaces it), and every row of a customer
    who is no longer eligible (a deletion request or a withdrawn consent reaches the
    history too).
-#}
{% macro delete_replaced_predictions() %}
    {% if is_incremental() %}
        delete from {{ this }}
        where
            prediction_month = (
                select cast({{ dbt.date_trunc('month', 'as_of_date') }} as date)
                from {{ ref('int_as_of_date') }}
            )
            or {{ no_longer_eligible('customer_id') }}
    {% endif %}
{% endmacro %}
