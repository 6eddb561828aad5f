-- raw consents = staged + superseded records + quarantined
{{ reconcile_raw_rows(
    'consents',
    'stg_raw__consents',
    [clean_string('customer_id'), 'lower(' ~ clean_string('purpose') ~ ')']
) }}
