"""What the pages' interactive parts know of the study, embedded in each page as JSON.

The index, the compare page and each run page carry a ``<script type="application/json"
id="tl-study">`` block: the runs (name, configuration, seed, status, the ranking metric,
which data files they have), the configurations with their runs, the Student-t
quantiles the seed bands need, and what the monitor's validation subset is. The
per-step curves themselves stay in the runs' data files (`rundata`), loaded on demand.
"""

from __future__ import annotations

import json
import math
from typing import Any

from markupsafe import Markup
from scipy import stats

from trainlab.report.html import format as fmt
from trainlab.report.html.rundata import RunData
from trainlab.report.html.runs import RunView
from trainlab.run.metrics import METRICS, Metric
from trainlab.viz.smoothing import EMA_DECAY

CONFIDENCE = 0.95  # the bands: the 95% t-interval of a configuration's mean over its seeds
CURVES_SHOWN = 6  # configurations the index draws at first (the best ones)
EPOCH_CURVES_MIN = 3  # runs with fewer epochs are drawn per step first


def study_data(
    views: list[RunView],
    ranking: list[str],
    data: dict[str, RunData],
    *,
    metric: Metric,
    with_metrics: bool = False,
) -> dict[str, Any]:
    """The page data of the index and the compare page.

    Args:
        ranking: the configurations best first (the study's ranking rule).
        data: the data files of each finished run.
        with_metrics: each run's metrics too (the compare page's table).
    """
    runs = [_run(v, data.get(v.name), metric, with_metrics) for v in views]
    drawn = [r for r in runs if r["curves"]]
    points = list(dict.fromkeys([*ranking, *(r["point"] for r in drawn)]))
    configs = []
    for point in points:
        names = [r["name"] for r in drawn if r["point"] == point]
        if names:
            configs.append({"point": point, "runs": names})
    return {
        "metric": _metric(metric),
        "metrics": [_metric(m) for m in METRICS.values()] if with_metrics else [],
        "runs": runs,
        "configs": configs,
        "default": [c["point"] for c in configs[:CURVES_SHOWN]],
        **_common(views, max((len(c["runs"]) for c in configs), default=1)),
    }


def run_data(view: RunView, mates: list[str], point: str) -> dict[str, Any]:
    """The page data of a run page: the run, and its configuration's runs for the band."""
    return {"run": view.name, "point": point, "mates": mates,
            **_common([view], len(mates))}  # fmt: skip


def as_script(data: dict[str, Any]) -> Markup:
    """`data` as JSON that is safe inside a <script> element."""
    text = json.dumps(data, separators=(",", ":"), allow_nan=False, default=str)
    return Markup(text.replace("</", "<\\/"))


def t_quantiles(n_max: int) -> dict[int, float]:
    """n -> the two-sided 95% Student-t quantile with n - 1 degrees of freedom."""
    return {n: float(stats.t.ppf((1 + CONFIDENCE) / 2, n - 1)) for n in range(2, n_max + 1)}


def _common(views: list[RunView], n_max: int) -> dict[str, Any]:
    started = next((v for v in views if v.config), None)
    epochs = max((((v.meta or {}).get("metrics") or {}).get("epochs_run") or 0 for v in views),
                 default=0)  # fmt: skip
    return {
        "tcrit": t_quantiles(max(n_max, 2)),
        "val_size": started.setting("monitor", "val_size") if started else None,
        "val_every": started.setting("monitor", "val_every", 1) if started else 1,
        "val_full": started.setting("data", "val_size") if started else None,
        "default_x": "epoch" if epochs >= EPOCH_CURVES_MIN else "step",
        "smooth": EMA_DECAY,  # per step, as the dashboards smooth the training loss
    }


def _run(view: RunView, data: RunData | None, metric: Metric, with_metrics: bool) -> dict:
    meta = view.meta or {}
    config = view.config
    metrics = meta.get("metrics") or {}
    run = {
        "name": view.name,
        "point": str(meta.get("point", config.get("point", view.name))),
        "seed": meta.get("seed", config.get("seed")),
        "status": view.status,
        "value": _number(metrics.get(metric.name)),
        "curves": bool(data and data.curves),
        "player": bool(data and data.player),
    }
    if with_metrics:
        run["metrics"] = {m: _number(metrics.get(m)) for m in METRICS if m in metrics}
    return run


def _metric(metric: Metric) -> dict[str, str]:
    return {"name": metric.name, "label": metric.label, "better": metric.better,
            "description": metric.description}  # fmt: skip


def _number(value: Any) -> float | None:
    if fmt.missing(value):
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None
