-- raw deletion requests = staged + repeated requests + quarantined
{{ reconcile_raw_rows(
    'deletion_requests',
    'stg_raw__deletion_requests',
    [clean_string('customer_id')]
) }}
