"""A self-contained HTML report of the segment marts of a DuckDB warehouse.

    python -m segmentation.report --warehouse segmentation.duckdb --out reports/segments.html

opens the warehouse read-only and writes one HTML file that needs no network to view:
plotly's JavaScript is embedded once, and every chart's figure sits in the page as JSON
next to its container (``<div id="chart-...">``), with a heading and one sentence on how
to read it. The same warehouse gives a byte-identical file: no clock, no random ids, rows
read in a fixed order.

Charts (container id: mart read):

* ``chart-segment-sizes``: customers and gross revenue per segment (segment_summary);
* ``chart-persona-profiles``: scaled centres per segment and feature of the latest model
  version (segment_centroids);
* ``chart-rfm-grid``: customers and mean monetary value per R x F score cell
  (dim_customer_segments);
* ``chart-segment-history``: customers and net revenue per segment and month
  (segment_history);
* ``chart-transitions``: moves between segments into the latest month (segment_transitions);
* ``chart-feature-drift``: population PSI per feature and period, and
  ``chart-feature-drift-by-segment``: PSI per feature and segment in the latest period
  (feature_drift);
* ``chart-k-selection``: cluster-quality metrics per k tried (cluster_k_selection).
"""

from __future__ import annotations

import argparse
import html
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import plotly
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs
from plotly.subplots import make_subplots

# the marts the report reads, each with the columns it reads; checked before any query so
# a missing mart is named in one clear error rather than a traceback halfway through
MARTS: dict[str, tuple[str, ...]] = {
    "segment_summary": (
        "segment_id",
        "segment_name",
        "customers",
        "customer_share",
        "gross_revenue_usd",
        "revenue_share",
    ),
    "segment_centroids": (
        "model_version",
        "version_number",
        "segment_id",
        "feature_name",
        "feature_position",
        "centre",
        "centre_original",
    ),
    "dim_customer_segments": (
        "model_version",
        "assigned_as_of",
        "r_score",
        "f_score",
        "monetary_usd",
    ),
    "segment_history": (
        "month_end",
        "segment_id",
        "customers",
        "customer_share",
        "net_revenue_usd",
    ),
    "segment_transitions": (
        "month_end",
        "previous_month_end",
        "from_segment_id",
        "to_segment_id",
        "customers",
        "share_of_from_segment",
    ),
    "feature_drift": (
        "current_period",
        "baseline_period",
        "scope",
        "segment_id",
        "feature_name",
        "psi",
        "status",
    ),
    "cluster_k_selection": (
        "model_version",
        "k",
        "silhouette",
        "davies_bouldin",
        "calinski_harabasz",
        "inertia",
        "is_chosen",
    ),
}

# PSI thresholds of the project (vars psi_warn and psi_alert), for the colour scale only:
# the status shown in the hover text is the mart's own
PSI_WARN = 0.1
PSI_ALERT = 0.25
# top of the PSI colour scale: larger values all show the darkest red, so one extreme
# cell does not squeeze the warn and alert bands of the scale
PSI_COLOUR_MAX = 0.5

# one colour per segment id in every chart (a colour-blind-safe palette)
SEGMENT_COLOURS = (
    "#4477AA",
    "#EE6677",
    "#228833",
    "#CCBB44",
    "#66CCEE",
    "#AA3377",
    "#BBBBBB",
    "#332288",
    "#117733",
    "#882255",
)
TEMPLATE = "plotly_white"
PLOT_CONFIG = {"responsive": True, "displaylogo": False}

Rows = list[tuple[Any, ...]]


class ReportError(RuntimeError):
    """The warehouse cannot be reported on: missing file, table or column, or locked."""


@dataclass(frozen=True)
class Chart:
    """One section of the report: the container id, heading, explanation and figure."""

    chart_id: str
    title: str
    explanation: str
    figure: go.Figure
    height: int


@dataclass(frozen=True)
class Header:
    """What the report is about: the model version(s), as-of date and customer count."""

    model_versions: tuple[str, ...]
    as_of: date | None
    customers: int
    warehouse_name: str


# --------------------------------------------------------------------------- reading


def _query(con: duckdb.DuckDBPyConnection, table: str, sql: str, params: Sequence = ()) -> Rows:
    """Rows of ``sql`` (which reads ``table``); a DuckDB error names the table."""
    try:
        return con.execute(sql, list(params)).fetchall()
    except duckdb.Error as error:
        raise ReportError(f"cannot read mart {table}: {error}") from error


def check_marts(con: duckdb.DuckDBPyConnection) -> None:
    """Raise :class:`ReportError` naming every mart or column of :data:`MARTS` missing."""
    problems = []
    for table, columns in MARTS.items():
        try:
            con.execute(f"select {', '.join(columns)} from {table} limit 0")
        except duckdb.CatalogException:
            problems.append(f"table {table} is missing")
        except duckdb.BinderException as error:
            problems.append(f"table {table} lacks a column the report reads ({error})")
    if problems:
        raise ReportError(
            "the warehouse cannot be reported on: "
            + "; ".join(problems)
            + ". Build the marts first (dbt build)."
        )


def segment_labels(con: duckdb.DuckDBPyConnection) -> dict[int, str]:
    """Display label ``"<id> · <name>"`` of each segment of segment_summary, by id."""
    rows = _query(
        con,
        "segment_summary",
        "select segment_id, segment_name from segment_summary order by segment_id",
    )
    return {int(segment_id): f"{segment_id} · {name}" for segment_id, name in rows}


def _label(labels: dict[int, str], segment_id: int | None) -> str:
    """The label of a segment id, also for ids segment_summary does not name."""
    if segment_id is None:
        return "new customers"
    if segment_id in labels:
        return labels[segment_id]
    # dbscan puts outliers in segment -1, which has no persona
    return f"{segment_id} · outliers" if segment_id == -1 else f"{segment_id} · (unnamed)"


def _colour(segment_id: int) -> str:
    return SEGMENT_COLOURS[segment_id % len(SEGMENT_COLOURS)]


def latest_model_version(con: duckdb.DuckDBPyConnection) -> str | None:
    """The model version of segment_centroids with the highest version_number."""
    rows = _query(
        con,
        "segment_centroids",
        "select model_version from segment_centroids "
        "order by version_number desc, model_version limit 1",
    )
    return str(rows[0][0]) if rows else None


def read_header(con: duckdb.DuckDBPyConnection, warehouse: Path) -> Header:
    """Model versions, as-of date and customer count of dim_customer_segments."""
    versions = _query(
        con,
        "dim_customer_segments",
        "select distinct model_version from dim_customer_segments order by model_version",
    )
    as_of, customers = _query(
        con,
        "dim_customer_segments",
        "select max(assigned_as_of), count(*) from dim_customer_segments",
    )[0]
    return Header(
        model_versions=tuple(str(v) for (v,) in versions if v is not None),
        as_of=as_of,
        customers=int(customers),
        # the file name only, not its folder: a copy elsewhere gives the same report
        warehouse_name=warehouse.name,
    )


# --------------------------------------------------------------------------- figures


def _no_data(figure: go.Figure, message: str) -> go.Figure:
    """``figure`` with ``message`` in its middle, for a mart without the rows needed."""
    figure.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    return figure


def _heatmap_axes(figure: go.Figure) -> go.Figure:
    """No grid lines: they would cross the empty cells of a heatmap."""
    figure.update_xaxes(showgrid=False, zeroline=False)
    figure.update_yaxes(showgrid=False, zeroline=False)
    return figure


def _layout(figure: go.Figure, height: int, **layout: Any) -> go.Figure:
    """The layout every chart shares (template, height, margins, font), then ``layout``."""
    shared = {
        "template": TEMPLATE,
        "height": height,
        "margin": {"l": 60, "r": 30, "t": 50, "b": 50},
        "font": {"size": 13},
    }
    figure.update_layout(**{**shared, **layout})
    return figure


def segment_sizes_chart(con: duckdb.DuckDBPyConnection, labels: dict[int, str]) -> Chart:
    """Bars of customers and of gross revenue per segment (segment_summary), by segment id.

    Trace 0 holds customers (y) per segment label (x), trace 1 gross revenue in USD.
    """
    rows = _query(
        con,
        "segment_summary",
        "select segment_id, customers, customer_share, gross_revenue_usd::double, "
        "revenue_share from segment_summary order by segment_id",
    )
    figure = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=("Customers", "Gross revenue (USD)"),
        horizontal_spacing=0.12,
    )
    x = [_label(labels, int(r[0])) for r in rows]
    colours = [_colour(int(r[0])) for r in rows]
    figure.add_trace(
        go.Bar(
            name="customers",
            x=x,
            y=[int(r[1]) for r in rows],
            customdata=[r[2] for r in rows],
            marker_color=colours,
            texttemplate="%{y:,} (%{customdata:.0%})",
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{x}<br>%{y:,} customers (%{customdata:.1%})<extra></extra>",
        ),
        row=1,
        col=1,
    )
    figure.add_trace(
        go.Bar(
            name="gross revenue",
            x=x,
            y=[float(r[3]) for r in rows],
            customdata=[r[4] for r in rows],
            marker_color=colours,
            texttemplate="%{customdata:.0%}",
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{x}<br>$%{y:,.0f} gross revenue (%{customdata:.1%})<extra></extra>",
        ),
        row=1,
        col=2,
    )
    figure.update_yaxes(rangemode="tozero")
    figure.update_yaxes(tickprefix="$", row=1, col=2)
    _layout(figure, 460, showlegend=False)
    if not rows:
        _no_data(figure, "segment_summary has no rows")
    return Chart(
        "chart-segment-sizes",
        "Segment sizes and revenue",
        "Customers in each segment of the current model and the gross revenue they brought, "
        "with their shares, so a small segment that earns a large share stands out.",
        figure,
        460,
    )


def persona_profiles_chart(
    con: duckdb.DuckDBPyConnection, labels: dict[int, str], version: str | None
) -> Chart:
    """Heatmap of the scaled centres (z units) of ``version``: rows = segments, columns =
    features in feature_position order; customdata holds centre_original."""
    rows = (
        _query(
            con,
            "segment_centroids",
            "select segment_id, feature_name, centre, centre_original from segment_centroids "
            "where model_version = ? order by segment_id, feature_position, feature_name",
            [version],
        )
        if version
        else []
    )
    segments = sorted({int(r[0]) for r in rows})
    features = list(dict.fromkeys(str(r[1]) for r in rows))
    z: list[list[float | None]] = [[None] * len(features) for _ in segments]
    original: list[list[float | None]] = [[None] * len(features) for _ in segments]
    for segment_id, feature, centre, centre_original in rows:
        i, j = segments.index(int(segment_id)), features.index(str(feature))
        z[i][j] = centre
        original[i][j] = centre_original
    # symmetric colour range around 0 so blue and red mean the same distance from average
    bound = max((abs(v) for row in z for v in row if v is not None), default=1.0) or 1.0
    figure = go.Figure(
        go.Heatmap(
            z=z,
            x=features,
            y=[_label(labels, s) for s in segments],
            customdata=original,
            zmin=-bound,
            zmax=bound,
            colorscale="RdBu",
            reversescale=True,
            texttemplate="%{z:.2f}",
            colorbar={"title": {"text": "centre (z)"}},
            hovertemplate="%{y}<br>%{x}: %{z:.2f} z<br>"
            "= %{customdata:,.2f} in the feature's own units<extra></extra>",
        )
    )
    height = 160 + 60 * max(len(segments), 3)
    _layout(
        _heatmap_axes(figure),
        height,
        yaxis={"autorange": "reversed"},
        margin={"l": 190, "r": 30, "t": 30, "b": 120},
        xaxis={"tickangle": -30},
    )
    if not rows:
        _no_data(figure, "segment_centroids has no rows")
    return Chart(
        "chart-persona-profiles",
        "Persona profiles",
        f"Centre of each segment of model version {version} on every clustering feature, in "
        "standard deviations from the average customer (red above, blue below); hover for "
        "the centre in the feature's own units.",
        figure,
        height,
    )


def rfm_grid_chart(con: duckdb.DuckDBPyConnection) -> Chart:
    """Heatmap of customers per r_score (rows) x f_score (columns) cell of
    dim_customer_segments; customdata holds the cell's mean monetary_usd."""
    rows = _query(
        con,
        "dim_customer_segments",
        "select r_score, f_score, count(*), avg(monetary_usd) from dim_customer_segments "
        "where r_score is not null and f_score is not null group by all order by all",
    )
    r_scores = list(
        range(min((r[0] for r in rows), default=1), 1 + max((r[0] for r in rows), default=5))
    )
    f_scores = list(
        range(min((r[1] for r in rows), default=1), 1 + max((r[1] for r in rows), default=5))
    )
    z: list[list[int | None]] = [[None] * len(f_scores) for _ in r_scores]
    mean: list[list[float | None]] = [[None] * len(f_scores) for _ in r_scores]
    # heatmap text templates cannot read customdata, so each cell's text is written here
    text = [[""] * len(f_scores) for _ in r_scores]
    for r_score, f_score, customers, monetary in rows:
        i, j = r_scores.index(r_score), f_scores.index(f_score)
        z[i][j], mean[i][j] = int(customers), monetary
        text[i][j] = f"{customers:,}<br>${monetary:,.0f}"
    figure = go.Figure(
        go.Heatmap(
            z=z,
            x=[f"F{f}" for f in f_scores],
            y=[f"R{r}" for r in r_scores],
            customdata=mean,
            text=text,
            colorscale="Blues",
            texttemplate="%{text}",
            colorbar={"title": {"text": "customers"}},
            hovertemplate="%{y} %{x}: %{z:,} customers<br>"
            "mean monetary $%{customdata:,.2f}<extra></extra>",
        )
    )
    _layout(
        _heatmap_axes(figure),
        480,
        xaxis={"title": {"text": "frequency score (5 = most frequent)"}, "side": "bottom"},
        # a category axis puts its first category (R1) at the bottom: most recent on top
        yaxis={"title": {"text": "recency score (5 = most recent)"}},
    )
    if not rows:
        _no_data(figure, "dim_customer_segments has no scored customers")
    return Chart(
        "chart-rfm-grid",
        "RFM grid",
        "Customers in each recency x frequency score cell, with their mean monetary value "
        "underneath; the top right holds recent, frequent buyers.",
        figure,
        480,
    )


def segment_history_chart(con: duckdb.DuckDBPyConnection, labels: dict[int, str]) -> Chart:
    """Customers (stacked areas, row 1) and net revenue (lines, row 2) per segment and
    month_end of segment_history; one trace per segment in each row, segments in id order."""
    rows = _query(
        con,
        "segment_history",
        "select month_end, segment_id, customers, customer_share, net_revenue_usd::double "
        "from segment_history order by segment_id, month_end",
    )
    figure = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.08,
        subplot_titles=("Customers at the month end", "Net revenue in the month (USD)"),
    )
    for segment_id in sorted({int(r[1]) for r in rows}):
        own = [r for r in rows if int(r[1]) == segment_id]
        months = [r[0].isoformat() for r in own]
        label = _label(labels, segment_id)
        figure.add_trace(
            go.Scatter(
                name=label,
                legendgroup=label,
                x=months,
                y=[int(r[2]) for r in own],
                customdata=[r[3] for r in own],
                stackgroup="customers",
                line={"color": _colour(segment_id)},
                hovertemplate=f"{label}<br>%{{x}}: %{{y:,}} customers "
                "(%{customdata:.1%})<extra></extra>",
            ),
            row=1,
            col=1,
        )
        figure.add_trace(
            go.Scatter(
                name=label,
                legendgroup=label,
                showlegend=False,
                x=months,
                y=[float(r[4]) for r in own],
                mode="lines+markers",
                line={"color": _colour(segment_id)},
                hovertemplate=f"{label}<br>%{{x}}: $%{{y:,.0f}}<extra></extra>",
            ),
            row=2,
            col=1,
        )
    figure.update_yaxes(tickprefix="$", row=2, col=1)
    # month ends as categories: a date axis would put "Nov 2025" a day after the October
    # point and read as the wrong month
    figure.update_xaxes(type="category")
    _layout(figure, 640, legend={"orientation": "h", "y": -0.08}, hovermode="x unified")
    if not rows:
        _no_data(figure, "segment_history has no rows")
    return Chart(
        "chart-segment-history",
        "Segment history",
        "Customers per segment at each month end (stacked) and the net revenue each segment "
        "placed in the month, every month assigned with the current model.",
        figure,
        640,
    )


def transitions_chart(con: duckdb.DuckDBPyConnection, labels: dict[int, str]) -> Chart:
    """Heatmap of customers moving from the previous month end's segment (rows; new
    customers last) to the latest month end's segment (columns) in segment_transitions;
    customdata holds share_of_from_segment (null for new customers)."""
    rows = _query(
        con,
        "segment_transitions",
        "select month_end, previous_month_end, from_segment_id, to_segment_id, customers, "
        "share_of_from_segment from segment_transitions "
        "where month_end = (select max(month_end) from segment_transitions) "
        "order by from_segment_id nulls last, to_segment_id",
    )
    month = rows[0][0].isoformat() if rows else None
    previous = rows[0][1].isoformat() if rows and rows[0][1] else None
    segment_ids = sorted({int(r[2]) for r in rows if r[2] is not None} | {int(r[3]) for r in rows})
    # new customers form the last row, under the segments they could have come from
    sources: list[int | None] = [s for s in segment_ids if any(r[2] == s for r in rows)]
    if any(r[2] is None for r in rows):
        sources.append(None)
    z: list[list[int | None]] = [[None] * len(segment_ids) for _ in sources]
    share: list[list[float | None]] = [[None] * len(segment_ids) for _ in sources]
    # cell text written here: heatmap text templates cannot read customdata
    text = [[""] * len(segment_ids) for _ in sources]
    for _, _, source, target, customers, share_of_from in rows:
        i = sources.index(None if source is None else int(source))
        j = segment_ids.index(int(target))
        z[i][j], share[i][j] = int(customers), share_of_from
        text[i][j] = f"{customers:,}" + (
            "" if share_of_from is None else f"<br>{share_of_from:.0%}"
        )
    figure = go.Figure(
        go.Heatmap(
            z=z,
            x=[_label(labels, s) for s in segment_ids],
            y=[_label(labels, s) for s in sources],
            customdata=share,
            text=text,
            colorscale="Purples",
            texttemplate="%{text}",
            colorbar={"title": {"text": "customers"}},
            hovertemplate="from %{y}<br>to %{x}: %{z:,} customers "
            "(%{customdata:.1%} of the row)<extra></extra>",
        )
    )
    height = 200 + 60 * max(len(sources), 3)
    _layout(
        _heatmap_axes(figure),
        height,
        xaxis={"title": {"text": f"segment at {month}"}, "side": "top"},
        yaxis={"title": {"text": f"segment at {previous}"}, "autorange": "reversed"},
        margin={"l": 190, "r": 30, "t": 90, "b": 30},
    )
    if not rows:
        _no_data(figure, "segment_transitions has no rows (one month only?)")
    return Chart(
        "chart-transitions",
        "Segment transitions",
        f"Where the customers of each segment at {previous} were at {month}: a row is the "
        "earlier segment (or new customers), a cell counts customers and their share of the "
        "row; the diagonal holds those who stayed.",
        figure,
        height,
    )


def _psi_colours(zmax: float) -> list[list[Any]]:
    """A colour scale from 0 to ``zmax`` with sharp steps at the warn and alert PSI."""
    warn, alert = PSI_WARN / zmax, PSI_ALERT / zmax
    return [
        [0.0, "#edf8e9"],
        [warn, "#74c476"],
        [warn, "#fee391"],
        [alert, "#fe9929"],
        [alert, "#fc9272"],
        [1.0, "#a50f15"],
    ]


def _psi_heatmap(
    z: list[list[float | None]],
    x: list[str],
    y: list[str],
    status: list[list[str | None]],
) -> go.Heatmap:
    """A PSI heatmap with the status of each cell in its hover text."""
    return go.Heatmap(
        z=z,
        x=x,
        y=y,
        customdata=status,
        zmin=0.0,
        zmax=PSI_COLOUR_MAX,
        colorscale=_psi_colours(PSI_COLOUR_MAX),
        text=[["" if v is None else f"{v:.3f}" for v in row] for row in z],
        texttemplate="%{text}",
        colorbar={
            "title": {"text": "PSI"},
            "tickvals": [0.0, PSI_WARN, PSI_ALERT, PSI_COLOUR_MAX],
            "ticktext": [
                "0 ok",
                f"{PSI_WARN} warn",
                f"{PSI_ALERT} alert",
                f"{PSI_COLOUR_MAX}+",
            ],
        },
        hovertemplate="%{y}, %{x}<br>PSI %{z:.4f} (%{customdata})<extra></extra>",
        xgap=2,
        ygap=2,
    )


def feature_drift_charts(
    con: duckdb.DuckDBPyConnection, labels: dict[int, str]
) -> tuple[Chart, Chart]:
    """Two PSI heatmaps of feature_drift: population scope by feature (rows) x
    current period (columns, with its baseline), one cell per row of the mart; and
    segment scope by feature x segment for the latest current period and its latest
    baseline. customdata holds the mart's status."""
    rows = _query(
        con,
        "feature_drift",
        "select current_period, baseline_period, feature_name, psi, status from feature_drift "
        "where scope = 'population' order by current_period, baseline_period, feature_name",
    )
    periods = list(dict.fromkeys((r[0], r[1]) for r in rows))
    features = sorted({str(r[2]) for r in rows})
    z: list[list[float | None]] = [[None] * len(periods) for _ in features]
    status: list[list[str | None]] = [[None] * len(periods) for _ in features]
    for current, baseline, feature, psi, state in rows:
        i, j = features.index(str(feature)), periods.index((current, baseline))
        z[i][j], status[i][j] = psi, state
    x = [f"{current.isoformat()}<br>vs {baseline.isoformat()}" for current, baseline in periods]
    population = go.Figure(_psi_heatmap(z, x, features, status))
    height = 140 + 32 * max(len(features), 4)
    _layout(
        _heatmap_axes(population),
        height,
        xaxis={"title": {"text": "current period vs baseline"}, "type": "category"},
        yaxis={"autorange": "reversed"},
        margin={"l": 230, "r": 30, "t": 30, "b": 70},
    )
    if not rows:
        _no_data(population, "feature_drift has no population rows")

    latest = periods[-1] if periods else None
    segment_rows = (
        _query(
            con,
            "feature_drift",
            "select segment_id, feature_name, psi, status from feature_drift "
            "where scope = 'segment' and current_period = ? and baseline_period = ? "
            "order by segment_id, feature_name",
            list(latest),
        )
        if latest
        else []
    )
    segments = sorted({int(r[0]) for r in segment_rows if r[0] is not None})
    seg_features = sorted({str(r[1]) for r in segment_rows})
    seg_z: list[list[float | None]] = [[None] * len(segments) for _ in seg_features]
    seg_status: list[list[str | None]] = [[None] * len(segments) for _ in seg_features]
    for segment_id, feature, psi, state in segment_rows:
        if segment_id is None:
            continue
        i, j = seg_features.index(str(feature)), segments.index(int(segment_id))
        seg_z[i][j], seg_status[i][j] = psi, state
    by_segment = go.Figure(
        _psi_heatmap(seg_z, [_label(labels, s) for s in segments], seg_features, seg_status)
    )
    seg_height = 180 + 32 * max(len(seg_features), 4)
    _layout(
        _heatmap_axes(by_segment),
        seg_height,
        xaxis={"tickangle": -20},
        yaxis={"autorange": "reversed"},
        margin={"l": 230, "r": 30, "t": 30, "b": 110},
    )
    if not segment_rows:
        _no_data(by_segment, "feature_drift has no segment rows for the latest period")
    period_text = f"{latest[0].isoformat()} against {latest[1].isoformat()}" if latest else "(none)"
    return (
        Chart(
            "chart-feature-drift",
            "Feature drift (PSI)",
            "Population stability index of each monitored feature over all customers, per "
            f"current period against its baseline: below {PSI_WARN} is stable (green), "
            f"{PSI_WARN} to {PSI_ALERT} a warning (amber), {PSI_ALERT} and above an alert (red).",
            population,
            height,
        ),
        Chart(
            "chart-feature-drift-by-segment",
            "Feature drift within segments",
            f"The same index within each segment for {period_text}; segments are smaller "
            "samples, so single cells drift more easily than the population.",
            by_segment,
            seg_height,
        ),
    )


K_METRICS = (
    ("silhouette", "silhouette (higher is better)"),
    ("davies_bouldin", "Davies-Bouldin (lower is better)"),
    ("calinski_harabasz", "Calinski-Harabasz (higher is better)"),
    ("inertia", "inertia (lower is better)"),
)


def k_selection_chart(con: duckdb.DuckDBPyConnection, version: str | None) -> Chart:
    """One line per metric of :data:`K_METRICS` against k for ``version`` in
    cluster_k_selection (trace 2i: the metric, trace 2i+1: the chosen k's point)."""
    rows = (
        _query(
            con,
            "cluster_k_selection",
            "select k, silhouette, davies_bouldin, calinski_harabasz, inertia, is_chosen "
            "from cluster_k_selection where model_version = ? order by k",
            [version],
        )
        if version
        else []
    )
    figure = make_subplots(
        rows=1,
        cols=len(K_METRICS),
        subplot_titles=[title for _, title in K_METRICS],
        horizontal_spacing=0.07,
    )
    ks = [int(r[0]) for r in rows]
    chosen = [r for r in rows if r[5]]
    for position, (metric, _) in enumerate(K_METRICS):
        column = position + 1
        values = [r[column] for r in rows]
        figure.add_trace(
            go.Scatter(
                name=metric,
                x=ks,
                y=values,
                mode="lines+markers",
                line={"color": "#4477AA"},
                hovertemplate=f"k = %{{x}}<br>{metric} %{{y:,.4g}}<extra></extra>",
            ),
            row=1,
            col=column,
        )
        figure.add_trace(
            go.Scatter(
                name=f"chosen k ({metric})",
                x=[int(r[0]) for r in chosen],
                y=[r[column] for r in chosen],
                mode="markers",
                marker={"symbol": "star", "size": 16, "color": "#EE6677"},
                hovertemplate=f"chosen k = %{{x}}<br>{metric} %{{y:,.4g}}<extra></extra>",
            ),
            row=1,
            col=column,
        )
    for row in chosen:
        figure.add_vline(x=int(row[0]), line={"dash": "dot", "color": "#EE6677"})
    figure.update_xaxes(title={"text": "k"}, dtick=1)
    _layout(figure, 380, showlegend=False)
    if not rows:
        _no_data(figure, f"cluster_k_selection has no rows for model version {version}")
    chosen_text = ", ".join(str(r[0]) for r in chosen) or "none"
    return Chart(
        "chart-k-selection",
        "Choosing the number of segments",
        f"Cluster-quality metrics of model version {version} for every number of segments k "
        f"tried; the star and dotted line mark the chosen k ({chosen_text}).",
        figure,
        380,
    )


def collect_charts(con: duckdb.DuckDBPyConnection) -> list[Chart]:
    """Every chart of the report, in page order, from a warehouse that passed
    :func:`check_marts`."""
    labels = segment_labels(con)
    version = latest_model_version(con)
    drift, drift_by_segment = feature_drift_charts(con, labels)
    return [
        segment_sizes_chart(con, labels),
        persona_profiles_chart(con, labels, version),
        rfm_grid_chart(con),
        segment_history_chart(con, labels),
        transitions_chart(con, labels),
        drift,
        drift_by_segment,
        k_selection_chart(con, version),
    ]


# --------------------------------------------------------------------------- HTML

PAGE_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       margin: 0 auto; max-width: 1320px; padding: 16px 24px; color: #222; }
header { border-bottom: 1px solid #ddd; margin-bottom: 8px; }
header dl { display: grid; grid-template-columns: max-content auto; gap: 2px 16px; }
header dt { font-weight: 600; }
header dd { margin: 0; }
section { margin: 28px 0; }
section h2 { margin-bottom: 4px; }
section p { margin-top: 0; color: #444; }
.note { color: #666; font-size: 0.9em; }
"""

# draws every chart from its JSON once plotly is loaded (inline above, so no network)
RENDER_SCRIPT = """
document.querySelectorAll("div.chart").forEach(function (div) {
  var figure = JSON.parse(document.getElementById(div.dataset.figure).textContent);
  Plotly.newPlot(div, figure.data, figure.layout, figure.config);
});
"""


def figure_json(figure: go.Figure) -> str:
    """The figure (data, layout, config) as JSON safe inside a ``<script>`` element.

    The standard json engine is named so the text does not depend on whether orjson is
    installed; ``</`` is escaped so a label cannot close the script element.
    """
    payload = json.loads(figure.to_json(engine="json"))
    payload["config"] = PLOT_CONFIG
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return text.replace("</", "<\\/")


def _chart_html(chart: Chart) -> str:
    figure_id = "figure-" + chart.chart_id.removeprefix("chart-")
    return (
        f'<section id="section-{chart.chart_id.removeprefix("chart-")}">\n'
        f"<h2>{html.escape(chart.title)}</h2>\n"
        f"<p>{html.escape(chart.explanation)}</p>\n"
        f'<div id="{chart.chart_id}" class="chart" data-figure="{figure_id}" '
        f'style="height:{chart.height}px;width:100%"></div>\n'
        f'<script type="application/json" id="{figure_id}">{figure_json(chart.figure)}</script>\n'
        "</section>\n"
    )


def render_html(header: Header, charts: list[Chart]) -> str:
    """The whole page: header, one section per chart, plotly.js inline once."""
    versions = ", ".join(header.model_versions) or "(none)"
    as_of = header.as_of.isoformat() if header.as_of else "(none)"
    note = (
        f"Generated by segmentation.report from the warehouse {header.warehouse_name} with "
        f"plotly {plotly.__version__}. Charts are interactive: hover for values, drag to "
        "zoom, double-click to reset, click a legend entry to hide it."
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>Customer segments as of {html.escape(as_of)}</title>\n"
        f"<style>{PAGE_STYLE}</style>\n"
        f'<script type="text/javascript">{get_plotlyjs()}</script>\n'
        "</head>\n<body>\n<header>\n"
        "<h1>Customer segments</h1>\n<dl>\n"
        f'<dt>Model version</dt><dd id="model-version">{html.escape(versions)}</dd>\n'
        f'<dt>As of</dt><dd id="as-of">{html.escape(as_of)}</dd>\n'
        f'<dt>Customers</dt><dd id="customers">{header.customers:,}</dd>\n'
        "</dl>\n"
        f'<p class="note">{html.escape(note)}</p>\n'
        "</header>\n"
        + "".join(_chart_html(chart) for chart in charts)
        + f"<script>{RENDER_SCRIPT}</script>\n</body>\n</html>\n"
    )


def build_report(warehouse: Path | str, out: Path | str) -> Path:
    """Write the HTML report of the DuckDB file ``warehouse`` to ``out`` and return ``out``.

    The warehouse is opened read-only; ``out``'s folder is created. The file is written
    next to ``out`` first and then moved over it, so a failed run leaves no half report.

    Raises:
        ReportError: no file at ``warehouse``, it cannot be opened (e.g. a dbt build
            holds its lock), or a mart or column the report reads is missing.
    """
    warehouse, out = Path(warehouse), Path(out)
    if not warehouse.is_file():
        raise ReportError(f"no warehouse file at {warehouse}")
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error as error:
        raise ReportError(f"cannot open the warehouse {warehouse}: {error}") from error
    with con:
        check_marts(con)
        header = read_header(con, warehouse)
        charts = collect_charts(con)
    page = render_html(header, charts)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    partial.write_text(page, encoding="utf-8")
    os.replace(partial, out)
    return out


def main(argv: list[str] | None = None) -> int:
    """CLI: write the report, print its path and size; exit 2 with a message on stderr
    when the warehouse cannot be reported on."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--warehouse", type=Path, default=Path("segmentation.duckdb"), help="DuckDB file"
    )
    parser.add_argument(
        "--out", type=Path, default=Path("reports/segments.html"), help="HTML file to write"
    )
    args = parser.parse_args(argv)
    try:
        path = build_report(args.warehouse, args.out)
    except ReportError as error:
        print(f"segmentation.report: {error}", file=sys.stderr)
        return 2
    print(f"{path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
