-- cluster_k_selection must mark exactly one chosen k for each model version: fails
-- with the model versions that have none or several.
select
    model_version,
    sum(case when is_chosen then 1 else 0 end) as chosen_rows
from {{ ref('cluster_k_selection') }}
group by model_version
having sum(case when is_chosen then 1 else 0 end) <> 1
