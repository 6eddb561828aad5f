"""Train a segmentation on the training sample: the logic behind the dbt Python models
``cluster_k_selection`` and ``segment_centroids``, which stay a few lines long.

Python only fits, on a bounded sample (``segmentation_training_sample``), and writes the
parameters back as tables; scoring every customer against the centres is SQL
(``customer_segment_assignments``), so it runs on any engine.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score

from segmentation.clustering import (
    ALGORITHMS,
    SegmentationError,
    fit_segments,
    match_segment_ids,
    relabel,
    score_segments,
    select_k,
    validate_matrix,
)

CUSTOMER_ID = "customer_id"


@dataclass(frozen=True)
class TrainingSettings:
    """What a training run is asked to do (the dbt vars of the segmentation layer).

    Attributes:
        algorithm: one of :data:`segmentation.clustering.ALGORITHMS`.
        features: columns of ``customer_features_scaled`` to cluster on, in order.
        k_values: candidate numbers of segments, ascending.
        fixed_k: a fixed number of segments (skips the choice), or None.
        seed: random seed of every fit and sample.
        silhouette_sample_size: rows of the silhouette sample (silhouette is O(n^2)).
        dbscan_eps: DBSCAN neighbourhood radius (scaled units).
        dbscan_min_samples: DBSCAN core point neighbourhood size.
    """

    algorithm: str
    features: tuple[str, ...]
    k_values: tuple[int, ...]
    fixed_k: int | None
    seed: int
    silhouette_sample_size: int
    dbscan_eps: float
    dbscan_min_samples: int

    @classmethod
    def from_vars(
        cls,
        algorithm: Any,
        features: Any,
        k_range: Any,
        fixed_k: Any,
        seed: Any,
        silhouette_sample_size: Any,
        dbscan_eps: Any = 1.0,
        dbscan_min_samples: Any = 10,
    ) -> TrainingSettings:
        """Settings from the values of the dbt vars, checked, with errors naming the var.

        Args:
            algorithm: var ``segmentation_algorithm``.
            features: var ``segmentation_features``, a non-empty list of column names.
            k_range: var ``segmentation_k_range``, ``[lowest, highest]`` (both included).
            fixed_k: var ``segmentation_k``, an integer or None.
            seed: var ``random_seed``.
            silhouette_sample_size: var ``silhouette_sample_size``.
            dbscan_eps: var ``dbscan_eps``, a number > 0.
            dbscan_min_samples: var ``dbscan_min_samples``, an integer >= 1.

        Raises:
            SegmentationError: a var of the wrong type or out of range.
        """
        if algorithm not in ALGORITHMS:
            raise SegmentationError(
                f"var segmentation_algorithm is {algorithm!r}; accepted: {', '.join(ALGORITHMS)}"
            )
        if (
            not isinstance(features, Sequence)
            or isinstance(features, str)
            or not features
            or not all(isinstance(name, str) for name in features)
        ):
            raise SegmentationError(
                f"var segmentation_features must be a non-empty list of column names, "
                f"got {features!r}"
            )
        if len(set(features)) != len(features):
            raise SegmentationError(f"var segmentation_features repeats a column: {features!r}")
        unscaled = [name for name in features if not name.endswith(SCALED_SUFFIX)]
        if unscaled:
            raise SegmentationError(
                f"var segmentation_features: {unscaled[0]!r} is not the standardized column "
                "<feature>_z of a feature in the var scaled_features"
            )
        if (
            not isinstance(k_range, Sequence)
            or len(k_range) != 2
            or not all(_is_int(value) for value in k_range)
            or not 2 <= k_range[0] <= k_range[1]
        ):
            raise SegmentationError(
                f"var segmentation_k_range must be [lowest, highest] with 2 <= lowest <= "
                f"highest, got {k_range!r}"
            )
        if fixed_k is not None and (not _is_int(fixed_k) or fixed_k < 2):
            raise SegmentationError(
                f"var segmentation_k must be null or an integer >= 2, got {fixed_k!r}"
            )
        return cls(
            algorithm=algorithm,
            features=tuple(features),
            k_values=tuple(range(k_range[0], k_range[1] + 1)),
            fixed_k=fixed_k,
            seed=integer_var(seed, "random_seed", 0),
            silhouette_sample_size=integer_var(silhouette_sample_size, "silhouette_sample_size", 2),
            dbscan_eps=number_var(dbscan_eps, "dbscan_eps", 0, above=True),
            dbscan_min_samples=integer_var(dbscan_min_samples, "dbscan_min_samples", 1),
        )

    @property
    def largest_k(self) -> int:
        """The fewest customers a fit needs: the largest k (DBSCAN: min_samples)."""
        if self.algorithm == "dbscan":
            return self.dbscan_min_samples
        return self.fixed_k if self.fixed_k is not None else max(self.k_values)

    @property
    def fit_options(self) -> dict[str, Any]:
        """Keyword options of the fits that depend on the algorithm."""
        if self.algorithm == "dbscan":
            return {"dbscan_eps": self.dbscan_eps, "dbscan_min_samples": self.dbscan_min_samples}
        return {}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# The checks of one scalar var, shared by the training and the prediction settings so
# that a var means the same in both. ``error`` is the exception class the caller raises.


def boolean_var(value: Any, var: str, error: type[ValueError] = SegmentationError) -> bool:
    """A true/false var (a YAML bool, or the strings "true"/"false" from the CLI)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise error(f"var {var} must be true or false, got {value!r}")


def integer_var(
    value: Any, var: str, minimum: int, error: type[ValueError] = SegmentationError
) -> int:
    """An integer var of at least ``minimum`` (bools and strings are refused)."""
    if not _is_int(value) or value < minimum:
        raise error(f"var {var} must be an integer >= {minimum}, got {value!r}")
    return value


def number_var(
    value: Any,
    var: str,
    minimum: float,
    error: type[ValueError] = SegmentationError,
    *,
    above: bool = False,
) -> float:
    """A finite number var of at least ``minimum`` (``above``: strictly greater)."""
    number = (
        float(value)
        if isinstance(value, int | float) and not isinstance(value, bool)
        else float("nan")
    )
    if not np.isfinite(number) or number < minimum or (above and number == minimum):
        bound = f"> {minimum:g}" if above else f">= {minimum:g}"
        raise error(f"var {var} must be a number {bound}, got {value!r}")
    return number


@dataclass(frozen=True)
class TrainingData:
    """The training sample as a matrix: rows sorted by customer id, so row order (and
    with it every fit) does not depend on the order the warehouse returned."""

    customer_ids: np.ndarray
    matrix: np.ndarray
    fingerprint: str


def training_data(sample: pd.DataFrame, settings: TrainingSettings) -> TrainingData:
    """Check the sample and turn it into a matrix with a fingerprint.

    Args:
        sample: one row per customer: ``customer_id`` and the columns of
            ``settings.features`` (other columns are ignored).

    Raises:
        SegmentationError: missing ``customer_id`` or feature columns, duplicated ids,
            nulls, non-finite or constant features, fewer customers than the largest k.
    """
    if CUSTOMER_ID not in sample.columns:
        raise SegmentationError("the training sample has no customer_id column")
    ordered = sample.sort_values(CUSTOMER_ID, kind="stable").reset_index(drop=True)
    ids = ordered[CUSTOMER_ID].astype(str).to_numpy()
    if len(np.unique(ids)) != len(ids):
        raise SegmentationError("the training sample has duplicated customer_id values")
    matrix = validate_matrix(ordered, settings.features, min_rows=settings.largest_k)
    digest = hashlib.sha256()
    digest.update("\n".join(ids).encode())
    digest.update(",".join(settings.features).encode())
    digest.update(np.ascontiguousarray(matrix).tobytes())
    return TrainingData(ids, matrix, digest.hexdigest()[:16])


def model_version(data: TrainingData, settings: TrainingSettings) -> str:
    """A version id that is the same exactly when the training data and settings are:
    ``m`` + 12 hex digits of a SHA-256 over the data fingerprint and the settings."""
    payload = json.dumps({"data": data.fingerprint, **asdict(settings)}, sort_keys=True)
    return "m" + hashlib.sha256(payload.encode()).hexdigest()[:12]


K_SELECTION_COLUMNS = (
    "model_version",
    "k",
    "silhouette",
    "davies_bouldin",
    "calinski_harabasz",
    "inertia",
    "is_chosen",
    "selection_rule",
    "algorithm",
    "training_rows",
    "silhouette_sample_rows",
    "data_fingerprint",
)


def k_selection_table(
    sample: pd.DataFrame, settings: TrainingSettings, history: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Fit every candidate k on the sample and record its quality metrics.

    When ``history`` (the rows stored by earlier builds) already holds this sample's
    and settings' model version, its rows are returned unchanged and nothing is fitted.

    Returns:
        One row per k (columns :data:`K_SELECTION_COLUMNS`): silhouette (on a seeded
        sample of at most ``silhouette_sample_size`` rows), Davies-Bouldin,
        Calinski-Harabasz and inertia; ``is_chosen`` marks the chosen k and
        ``selection_rule`` says which rule chose it (highest silhouette, the smaller k
        within 0.01 of the best; or fixed by the var ``segmentation_k``).
    """
    data = training_data(sample, settings)
    version = model_version(data, settings)
    if history is not None and len(history) and (history["model_version"] == version).any():
        stored = history.loc[history["model_version"] == version, list(K_SELECTION_COLUMNS)]
        return stored.sort_values("k").reset_index(drop=True)
    selection = select_k(
        data.matrix,
        settings.k_values,
        settings.algorithm,
        settings.seed,
        fixed_k=settings.fixed_k,
        silhouette_sample_size=settings.silhouette_sample_size,
        **settings.fit_options,
    )
    table = selection.metrics.copy()
    table["model_version"] = version
    table["is_chosen"] = table["k"] == selection.chosen_k
    table["selection_rule"] = selection.rule
    table["algorithm"] = selection.algorithm
    table["training_rows"] = len(data.customer_ids)
    table["silhouette_sample_rows"] = min(settings.silhouette_sample_size, len(data.customer_ids))
    table["data_fingerprint"] = data.fingerprint
    return table[list(K_SELECTION_COLUMNS)]


CENTROID_COLUMNS = (
    "model_version",
    "version_number",
    "previous_model_version",
    "segment_id",
    "feature_name",
    "feature_position",
    "centre",
    "centre_original",
    "training_customers",
    # as_of_date of the features the version was fitted on (drift baseline "training")
    "trained_as_of",
    "algorithm",
    "k",
    # gmm: the component's variance of the feature and its log weight; dbscan: the
    # cluster's squared radius; null for the other algorithms
    "variance",
    "log_weight",
    "radius_squared",
    # the scaling of the feature when the version was trained (customer_scaling_parameters)
    "source_feature",
    "transform_name",
    "median_value",
    "lower_bound",
    "upper_bound",
    "scale_mean",
    "scale_std",
)
SCALED_SUFFIX = "_z"
SCALING_COLUMNS = ("feature_name", "transform_name", "median_value", "lower_bound", "upper_bound")


def scaling_of_features(scaling: pd.DataFrame, features: Sequence[str]) -> pd.DataFrame:
    """The scaling parameters of each clustered feature, one row per feature in order.

    Args:
        scaling: ``customer_scaling_parameters`` (one row per feature of the var
            ``scaled_features``: ``feature_name``, ``transform_name``, ``median_value``,
            ``lower_bound``, ``upper_bound``, ``mean``, ``std``).
        features: the clustered columns of ``customer_features_scaled``, each
            ``<feature>_z``.

    Returns:
        Columns ``source_feature``, ``transform_name``, ``median_value``,
        ``lower_bound``, ``upper_bound``, ``scale_mean``, ``scale_std`` and
        ``trained_as_of`` (the scaling's ``as_of_date``, null without that column),
        indexed by the clustered column name.

    Raises:
        SegmentationError: a clustered column that is not ``<feature>_z`` of a feature
            in ``scaling``, or missing columns in ``scaling``.
    """
    missing = [c for c in (*SCALING_COLUMNS, "mean", "std") if c not in scaling.columns]
    if missing:
        raise SegmentationError(f"customer_scaling_parameters lacks columns {missing}")
    by_name = scaling.set_index("feature_name")
    rows = []
    for feature in features:
        source = feature[: -len(SCALED_SUFFIX)] if feature.endswith(SCALED_SUFFIX) else None
        if source is None or source not in by_name.index:
            raise SegmentationError(
                f"var segmentation_features: {feature!r} is not the standardized column "
                "<feature>_z of a feature in the var scaled_features (scaled features: "
                f"{', '.join(f + SCALED_SUFFIX for f in by_name.index)})"
            )
        parameters = by_name.loc[source]
        rows.append(
            {
                "feature_name": feature,
                "source_feature": source,
                "transform_name": str(parameters["transform_name"]),
                "median_value": float(parameters["median_value"]),
                "lower_bound": float(parameters["lower_bound"]),
                "upper_bound": float(parameters["upper_bound"]),
                "scale_mean": float(parameters["mean"]),
                "scale_std": float(parameters["std"]),
                "trained_as_of": _as_date(parameters.get("as_of_date")),
            }
        )
    return pd.DataFrame(rows).set_index("feature_name")


def _as_date(value: Any) -> dt.date | None:
    """A date from a date, timestamp or null value (pandas may hold any of them)."""
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).date()


def original_units(z: float, parameters: pd.Series) -> float:
    """A standardized value back in the feature's own units: undo the z-score, then the
    transform (log1p: sign(t) * (exp|t| - 1); sqrt: sign(t) * t^2; none: t). The result
    lies within the winsorizing bounds when ``z`` came from winsorized values."""
    std = float(parameters["scale_std"])
    value = (
        z * std + float(parameters["scale_mean"]) if std > 0 else float(parameters["scale_mean"])
    )
    transform = parameters["transform_name"]
    if transform == "log1p":
        return float(np.sign(value) * np.expm1(abs(value)))
    if transform == "sqrt":
        return float(np.sign(value) * value * value)
    return float(value)


def chosen_row(k_selection: pd.DataFrame, version: str) -> pd.Series:
    """The k-selection row of model version ``version`` marked ``is_chosen``.

    Raises:
        SegmentationError: the version has no rows (cluster_k_selection is stale), or
            not exactly one of its rows is chosen.
    """
    this_version = k_selection[k_selection["model_version"] == version]
    if this_version.empty:
        raise SegmentationError(
            f"cluster_k_selection has no rows for model version {version}, the version of "
            "this training sample and these vars: rebuild cluster_k_selection"
        )
    chosen = this_version[this_version["is_chosen"].astype(bool)]
    if len(chosen) != 1:
        raise SegmentationError(
            f"cluster_k_selection must mark exactly one chosen k, found {len(chosen)}"
        )
    return chosen.iloc[0]


def centroids_table(
    sample: pd.DataFrame,
    settings: TrainingSettings,
    k_selection: pd.DataFrame,
    scaling: pd.DataFrame,
    history: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Fit the chosen k on the sample and return its centres, one row per segment and
    feature (columns :data:`CENTROID_COLUMNS`): ``centre`` in the scaled feature space,
    ``centre_original`` in the feature's own units, and the scaling parameters the
    version was trained with, so that a version can score customers on its own (from
    customer_features) long after the scaling was refitted.

    Args:
        sample: the training sample (``customer_id`` and the feature columns).
        settings: the training settings.
        k_selection: k-selection rows (:func:`k_selection_table`), possibly of several
            versions; the rows of this sample's and settings' version must be there.
        scaling: ``customer_scaling_parameters`` (see :func:`scaling_of_features`).
        history: the centres stored by earlier builds (every version, as returned
            before), or None on a first build.

    Returns:
        * When ``history`` already holds this model version: those rows, unchanged (a
          rebuild on the same data and settings changes nothing).
        * Otherwise the new version's centres, numbered ``version_number`` = the highest
          stored number + 1. Segment ids are stable across retrains: the new clusters
          are matched one-to-one to the centres of the latest stored version with the
          same features (optimal assignment, least total squared distance), so a
          segment keeps its id while its behaviour has not moved; extra clusters get
          new ids. Without such a version the ids follow segment size (0 = largest).
    """
    data = training_data(sample, settings)
    version = model_version(data, settings)
    k = int(chosen_row(k_selection, version)["k"])
    parameters = scaling_of_features(scaling, settings.features)
    history = _checked_history(history)
    if (history["model_version"] == version).any():
        stored = history.loc[history["model_version"] == version, list(CENTROID_COLUMNS)]
        return stored.sort_values(["segment_id", "feature_position"]).reset_index(drop=True)

    k_or_none = None if settings.algorithm == "dbscan" else k
    model = fit_segments(
        data.matrix, settings.algorithm, k_or_none, settings.seed, **settings.fit_options
    )
    previous_version = None
    comparable = history[history["feature_list"] == ",".join(settings.features)]
    if len(comparable):
        latest = comparable["version_number"].max()
        previous = comparable[comparable["version_number"] == latest]
        previous_version = str(previous["model_version"].iloc[0])
        centres = previous.pivot(index="segment_id", columns="feature_name", values="centre")
        centres = centres[list(settings.features)]
        ids = match_segment_ids(model.centres, centres.to_numpy(), centres.index.to_numpy())
        model = relabel(model, ids)
    version_number = int(history["version_number"].max()) + 1 if len(history) else 1
    sizes = {int(i): int((model.labels == i).sum()) for i in model.segment_ids}
    rows = [
        {
            "model_version": version,
            "version_number": version_number,
            "previous_model_version": previous_version,
            "segment_id": int(segment_id),
            "feature_name": feature,
            "feature_position": position + 1,
            "centre": float(model.centres[row, position]),
            "centre_original": original_units(
                float(model.centres[row, position]), parameters.loc[feature]
            ),
            "training_customers": sizes[int(segment_id)],
            "algorithm": model.algorithm,
            "k": model.k,
            "variance": None if model.variances is None else model.variances[row, position],
            "log_weight": None if model.weights is None else np.log(model.weights[row]),
            "radius_squared": None if model.radii is None else model.radii[row],
            **parameters.loc[feature].to_dict(),
        }
        for row, segment_id in enumerate(model.segment_ids)
        for position, feature in enumerate(settings.features)
    ]
    table = pd.DataFrame(rows, columns=list(CENTROID_COLUMNS))
    # text even when every value is null (a first version), so the stored column is text
    table["previous_model_version"] = table["previous_model_version"].astype("string")
    # nullable floats, so an unused column is stored as null, not NaN
    for column in ("variance", "log_weight", "radius_squared"):
        table[column] = table[column].astype("Float64")
    return table


def score_with_stored(
    matrix: np.ndarray, version_rows: pd.DataFrame, features: Sequence[str]
) -> np.ndarray:
    """Segment ids of the rows of ``matrix`` under one stored version of
    ``segment_centroids`` (its rows), by :func:`segmentation.clustering.score_segments`,
    the rule the SQL scoring applies."""

    def wide(column: str) -> pd.DataFrame:
        table = version_rows.pivot(index="segment_id", columns="feature_name", values=column)
        return table[list(features)]

    centres = wide("centre")
    per_segment = version_rows.groupby("segment_id").first().loc[centres.index]
    algorithm = str(per_segment["algorithm"].iloc[0])
    options: dict[str, Any] = {}
    if algorithm == "gmm":
        options["variances"] = wide("variance").to_numpy(dtype=np.float64)
        options["weights"] = np.exp(per_segment["log_weight"].to_numpy(dtype=np.float64))
    if algorithm == "dbscan":
        options["radii"] = per_segment["radius_squared"].to_numpy(dtype=np.float64)
    labels, _, _ = score_segments(
        matrix, centres.to_numpy(), centres.index.to_numpy(), algorithm, **options
    )
    return labels


def _checked_history(history: pd.DataFrame | None) -> pd.DataFrame:
    """Stored centres with a ``feature_list`` column (features joined by commas, in
    position order) per model version; an empty frame when there is no history."""
    if history is None or len(history) == 0:
        return pd.DataFrame(columns=[*CENTROID_COLUMNS, "feature_list"])
    missing = [column for column in CENTROID_COLUMNS if column not in history.columns]
    if missing:
        raise SegmentationError(
            f"the stored segment_centroids lack columns {missing}: rebuild the "
            "segmentation history together with "
            "dbt build --full-refresh --select segmentation_k_metrics+"
        )
    history = history[list(CENTROID_COLUMNS)].copy()
    history["trained_as_of"] = history["trained_as_of"].map(_as_date)
    ordered = history.sort_values(["model_version", "feature_position"])
    features = ordered.drop_duplicates(["model_version", "feature_position"])
    lists = features.groupby("model_version")["feature_name"].agg(",".join)
    history["feature_list"] = history["model_version"].map(lists)
    return history


def _utc_naive(moment: Any) -> pd.Timestamp:
    """A timestamp as naive UTC (how the warehouse stores every timestamp)."""
    stamp = pd.Timestamp(moment)
    return stamp.tz_convert("UTC").tz_localize(None) if stamp.tzinfo else stamp


RUN_COLUMNS = (
    "model_version",
    "version_number",
    "previous_model_version",
    "trained_at",
    "trained_as_of",
    "algorithm",
    "params",
    "k",
    "selection_rule",
    "training_rows",
    "feature_list",
    "data_fingerprint",
    "silhouette",
    "davies_bouldin",
    "calinski_harabasz",
    "inertia",
    "adjusted_rand_vs_previous",
)


def registry_row(
    sample: pd.DataFrame,
    settings: TrainingSettings,
    k_selection: pd.DataFrame,
    centroids: pd.DataFrame,
    history: pd.DataFrame | None,
    trained_at: pd.Timestamp,
) -> pd.DataFrame:
    """The registry row (columns :data:`RUN_COLUMNS`) of the model version trained on
    this sample and these settings.

    Args:
        sample, settings: as for :func:`centroids_table`.
        k_selection: every stored k-selection row (all versions).
        centroids: every stored centre (all versions), this version's included.
        history: the registry rows stored by earlier builds, or None.
        trained_at: when this build started; recorded for a version seen the first time.

    Returns:
        One row. A version already in ``history`` is returned unchanged, so rebuilding
        on the same data keeps its ``trained_at``. Otherwise the metrics of the chosen k,
        the settings as JSON (``params``), and ``adjusted_rand_vs_previous``: the
        adjusted Rand index, on this training sample, between the segments of this
        version and those of the previous version (each customer scored with each
        version by :func:`score_with_stored`); null for the first version.
    """
    data = training_data(sample, settings)
    version = model_version(data, settings)
    if history is not None and len(history) and (history["model_version"] == version).any():
        stored = history.loc[history["model_version"] == version, list(RUN_COLUMNS)]
        return stored.reset_index(drop=True)
    chosen = chosen_row(k_selection, version)
    own = centroids[centroids["model_version"] == version]
    if own.empty:
        raise SegmentationError(
            f"segment_centroids has no rows for model version {version}: rebuild it"
        )

    previous_version = own["previous_model_version"].iloc[0]
    agreement = None
    if isinstance(previous_version, str):
        labels = score_with_stored(data.matrix, own, settings.features)
        previous_labels = score_with_stored(
            data.matrix,
            centroids[centroids["model_version"] == previous_version],
            settings.features,
        )
        agreement = float(adjusted_rand_score(previous_labels, labels))
    else:
        previous_version = None
    params = {
        "seed": settings.seed,
        "k_values": list(settings.k_values),
        "fixed_k": settings.fixed_k,
        "silhouette_sample_size": settings.silhouette_sample_size,
        "requested_algorithm": settings.algorithm,
        **settings.fit_options,
    }
    row = {
        "model_version": version,
        "version_number": int(own["version_number"].iloc[0]),
        "previous_model_version": previous_version,
        "trained_at": _utc_naive(trained_at),
        "trained_as_of": _as_date(own["trained_as_of"].iloc[0]) if "trained_as_of" in own else None,
        "algorithm": str(chosen["algorithm"]),
        "params": json.dumps(params, sort_keys=True),
        "k": int(chosen["k"]),
        "selection_rule": str(chosen["selection_rule"]),
        "training_rows": int(chosen["training_rows"]),
        "feature_list": ",".join(settings.features),
        "data_fingerprint": data.fingerprint,
        "silhouette": float(chosen["silhouette"]),
        "davies_bouldin": float(chosen["davies_bouldin"]),
        "calinski_harabasz": float(chosen["calinski_harabasz"]),
        "inertia": float(chosen["inertia"]),
        "adjusted_rand_vs_previous": agreement,
    }
    table = pd.DataFrame([row], columns=list(RUN_COLUMNS))
    table["previous_model_version"] = table["previous_model_version"].astype("string")
    table["adjusted_rand_vs_previous"] = table["adjusted_rand_vs_previous"].astype("float64")
    return table


def retrain_requested(value: Any) -> bool:
    """The var ``segmentation_retrain`` as a bool (true, false, or their strings).

    Raises:
        SegmentationError: any other value.
    """
    return boolean_var(value, "segmentation_retrain")


def stored_model(history: pd.DataFrame | None, table: str) -> pd.DataFrame:
    """What a training model returns when the var ``segmentation_retrain`` is false: the
    rows it stored in earlier builds, unchanged, so no model is fitted and customers are
    scored with the latest stored version (or the pinned one).

    Raises:
        SegmentationError: nothing is stored yet.
    """
    if history is None or len(history) == 0:
        raise SegmentationError(
            f"var segmentation_retrain is false, but {table} holds no stored model yet: "
            "build once with segmentation_retrain true (the default)"
        )
    return history.reset_index(drop=True)
