-- Every customer of customer_features_scaled has exactly one segment: fails with the
-- customers left out (for example when segmentation_model_version names a version
-- that segment_centroids does not hold) or assigned twice.
select
    scaled.customer_id,
    count(assignments.customer_id) as assignments
from {{ ref('customer_features_scaled') }} as scaled
left join {{ ref('customer_segment_assignments') }} as assignments
    on scaled.customer_id = assignments.customer_id
group by scaled.customer_id
having count(assignments.customer_id) <> 1
