-- The customers segmentation models are fitted on: at most var training_sample_size
-- customers of customer_features_scaled, a pseudo-random sample that is the same on every
-- engine and every run for the same var random_seed (rows ordered by the MD5 of the
-- customer id salted with the seed; macro seeded_sample). Fitting stays bounded however
-- many customers there are; SQL scores all of them against the fitted centres.
with

{{ seeded_sample(
    '(select customer_id from ' ~ ref('customer_features_scaled') ~ ')',
    'customer_id',
    var('training_sample_size'),
) }},

final as (

    select
        customer_id,
        sample_rank
    from sample_drawn

)

select * from final
