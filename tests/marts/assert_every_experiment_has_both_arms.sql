-- Every experiment of the seed experiments has customers in both arms. Fails with the
-- experiment when it has none: its targeting month end (the one before start_date) is
-- outside the segment history (var segment_history_months), no customer was in its
-- target segments, or the holdout share leaves an arm empty.
with

experiments as (

    select * from {{ ref('experiments') }}

),

assignments as (

    select * from {{ ref('experiment_assignments') }}

),

arms as (

    select
        experiment_id,
        sum(case when is_holdout then 1 else 0 end) as holdout_customers,
        sum(case when is_holdout then 0 else 1 end) as treatment_customers
    from assignments
    group by experiment_id

),

final as (

    select
        experiments.experiment_id,
        experiments.start_date,
        coalesce(arms.holdout_customers, 0) as holdout_customers,
        coalesce(arms.treatment_customers, 0) as treatment_customers
    from experiments
    left join arms
        on experiments.experiment_id = arms.experiment_id
    where coalesce(arms.holdout_customers, 0) = 0 or coalesce(arms.treatment_customers, 0) = 0

)

select * from final
