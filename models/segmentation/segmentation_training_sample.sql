-- The customers segmentation models are fitted on: at most var training_sample_size
-- customers of customer_features_scaled, a pseudo-random sample that is the same on every
-- engine and every run for the same var random_seed (rows ordered by the MD5 of the
-- customer id salted with the seed). Fitting stays bounded however many customers
-- there are; SQL scores all of them against the fitted centres.
with

scaled as (

    select * from {{ ref('customer_features_scaled') }}

),

ranked as (

    select
        customer_id,
        row_number() over (
            order by md5(customer_id || '-{{ var("random_seed") }}'), customer_id
        ) as sample_rank
    from scaled

),

final as (

    select
        customer_id,
        sample_rank
    from ranked
    where sample_rank <= {{ var('training_sample_size') }}

)

select * from final
