-- raw events = staged + repeated loads + quarantined
{{ reconcile_raw_rows('events', 'stg_raw__events', [clean_string('event_id')]) }}
