-- raw customers = staged + older versions + quarantined
{{ reconcile_raw_rows('customers', 'stg_raw__customers', [clean_string('customer_id')]) }}
