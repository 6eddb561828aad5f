-- raw orders = staged + repeated loads + quarantined
{{ reconcile_raw_rows('orders', 'stg_raw__orders', [clean_string('order_id')]) }}
