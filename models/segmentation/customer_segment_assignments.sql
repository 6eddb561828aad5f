-- Every eligible customer assigned to a segment of one model version of
-- segment_centroids, in set-based SQL, so the per-customer work runs on any engine
-- (only the fit needs Python). The rule depends on the version's algorithm (the same
-- as segmentation.clustering.score_segments): the nearest centre; for gmm the most
-- probable diagonal Gaussian component, with its membership probability; for dbscan
-- the nearest cluster mean if within the cluster's radius, else segment -1
-- (outliers). The version carries its own scaling: each customer's
-- features (customer_features) are imputed, winsorized, transformed and standardized
-- with the parameters stored with the centres, so a version scores the same way
-- after the scaling was refitted (var segmentation_retrain false, or a pinned older
-- version). Each distance is one expression summed in a fixed feature order (the same
-- result in any row order); the lowest segment id wins an exact tie.
-- The latest version is scored unless the var segmentation_model_version pins
-- another (roll back). With the var model_export_dir the centres come from a
-- Parquet export of segment_centroids (how the Spark build scores: it runs no Python).
-- depends_on: {{ ref('segment_centroids') }}
with

features as (

    select * from {{ ref('customer_features') }}

),

{{ segment_scoring('features') }}

select * from scoring_result
