"""Everything the dbt Python models (``models/**/*.py``) call, imported from this one
module, and only from here.

dbt runs models in threads (``threads: 2`` in profiles.yml). Two Python models that
start together, each importing scikit-learn for the first time through a different
module of this package, can fail with "ImportError: cannot import name 'clone' from
partially initialized module 'sklearn.base'": the two threads enter scikit-learn's
circular imports at different points and Python's import deadlock detection hands one
of them a half-initialized module (seen in CI with segmentation_k_metrics and
prediction_model_registry). Importing through this module, the second thread waits on
this module's import lock, holding no other, until the first has imported everything
below. The rule python_models_importing_around_the_gate (segmentation.project_checks)
checks that every model imports from here.
"""

from segmentation.drift import with_chi_square_p_values
from segmentation.personas import name_personas
from segmentation.prediction import (
    PredictionSettings,
    evaluation_rows,
    registry_rows,
    stored_registry,
    stored_trees,
)
from segmentation.reporting import classifier_table, training_rows
from segmentation.training import (
    TrainingSettings,
    centroids_table,
    k_selection_table,
    registry_row,
    retrain_requested,
    stored_model,
)

__all__ = [
    "PredictionSettings",
    "TrainingSettings",
    "centroids_table",
    "classifier_table",
    "evaluation_rows",
    "k_selection_table",
    "name_personas",
    "registry_row",
    "registry_rows",
    "retrain_requested",
    "stored_model",
    "stored_registry",
    "stored_trees",
    "training_rows",
    "with_chi_square_p_values",
]
