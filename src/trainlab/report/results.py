"""Results of a study as tables: one row per run, one row per configuration.

`collect_results` only reads run directories; everything else is a pure function
of its table, so the same numbers feed the CSV files, the figures, the findings
and the report. The statistics over replicates live in `trainlab.stats`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from trainlab.run.metrics import METRIC_COLUMNS
from trainlab.run.rundir import CONFIG_FILE, RUNS_DIR, read_json, read_meta
from trainlab.run.status import TRAINED
from trainlab.stats import config_table
from trainlab.study import studydir
from trainlab.study.questions import ReportConfig

IDENTITY_COLUMNS = ("run", "point", "seed")
STATUS_COLUMNS = ("status", "stop_reason", "stop_step", "kept_by", "seconds", "error")
# What each run trained on, from its config.json: which dataset, whether generated
# stand-in files replaced it, the seed of its validation split (and whether that follows
# the run's seed), and augmentation.
DATA_COLUMNS = ("dataset", "synthetic", "split_seed", "split_per_seed", "augment")


def collect_results(out: str | Path, axes: list[str] | None = None) -> pd.DataFrame:
    """Scan ``out/runs/*/run.json`` into a table: identity, varied levels, metrics, status.

    Unfinished runs (no final metadata) appear with status ``unfinished``.
    """
    axes = list(axes or [])
    rows = []
    runs = Path(out) / RUNS_DIR
    for directory in sorted(p for p in runs.glob("*") if p.is_dir()):
        meta = read_meta(directory)
        if meta is None:
            rows.append({"run": directory.name, "point": directory.name, "status": "unfinished"})
            continue
        row = {
            "run": meta["name"], "point": meta.get("point", meta["name"]),
            "seed": meta.get("seed", 0), **meta.get("varied", {}),
        }  # fmt: skip
        row.update({k: meta.get("metrics", {}).get(k, np.nan) for k in METRIC_COLUMNS})
        row.update({k: meta.get(k) for k in STATUS_COLUMNS})
        row.update(_data_of(directory))
        row["grids"] = " ".join(str(g) for g in meta.get("grids", []))
        row["diagnoses"] = ", ".join(dict.fromkeys(d["name"] for d in meta.get("diagnoses", [])))
        rows.append(row)
    columns = [
        *IDENTITY_COLUMNS, *axes, *METRIC_COLUMNS, *STATUS_COLUMNS, "diagnoses", "grids",
        *DATA_COLUMNS,
    ]  # fmt: skip
    table = pd.DataFrame(rows)
    for column in columns:
        if column not in table.columns:
            table[column] = np.nan
    return table[columns + [c for c in table.columns if c not in columns]]


def read_confirmation(out: str | Path) -> pd.DataFrame | None:
    """The runs of ``out/confirm`` (`trainlab confirm`: the top configurations again, on
    fresh seeds) as a results table, or None when there is no confirmation."""
    confirm = Path(out) / studydir.CONFIRM_DIR
    if not studydir.is_study(confirm):
        return None
    return collect_results(confirm, list(studydir.read_study(confirm).get("axes", {})))


def _data_of(directory: Path) -> dict[str, object]:
    """The DATA_COLUMNS of a run directory (NaN where its config.json cannot be read)."""
    try:
        data = read_json(directory / CONFIG_FILE)["config"]["data"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return {
        "dataset": data.get("name"),
        "synthetic": bool(data.get("synthetic", False)),
        "split_seed": data.get("split_seed"),
        "split_per_seed": bool(data.get("split_per_seed", False)),
        "augment": bool(data.get("augment", False)),
    }


def rank(table: pd.DataFrame, report: ReportConfig) -> pd.DataFrame:
    """`table` ordered by the study's ranking rule, best first; runs without a value last."""
    if table.empty or report.rank_by not in table.columns:
        return table
    values = pd.to_numeric(table[report.rank_by], errors="coerce")
    finished = table["status"].isin(TRAINED) & np.isfinite(values)
    key = values.where(finished)
    order = key.sort_values(ascending=not report.higher_is_better, na_position="last").index
    return table.loc[order].reset_index(drop=True)


def configurations(table: pd.DataFrame, axes: list[str]) -> pd.DataFrame:
    """One row per grid point: mean, sd, 95% t-interval and n over its replicates of every
    metric (`trainlab.stats.config_table`), with the point's levels."""
    present = [a for a in axes if a in table.columns]
    metrics = [m for m in METRIC_COLUMNS if m in table.columns and table[m].notna().any()]
    finished = table[table["status"].isin(TRAINED)] if "status" in table else table
    if finished.empty or not metrics:
        return pd.DataFrame(columns=["point", *present])
    return config_table(finished, metrics, axes=present)


def grid_tables(
    table: pd.DataFrame, grids: list[list[str]]
) -> list[tuple[list[str], pd.DataFrame]]:
    """The runs of each sub-grid with that sub-grid's axes (a run two sub-grids share is in
    both). A study with one grid gives one entry of all its runs."""
    if len(grids) <= 1:
        return [(grids[0] if grids else [], table)]
    memberships = table["grids"].fillna("").astype(str).str.split()
    return [
        (axes, table[memberships.apply(lambda gs, i=i: str(i) in gs)])
        for i, axes in enumerate(grids)
    ]


def finished_runs(table: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Runs that completed (or stopped early) with a finite value of `metric`."""
    if metric not in table.columns:
        return table.iloc[0:0]
    finite = np.isfinite(pd.to_numeric(table[metric], errors="coerce"))
    return table[finite & table["status"].isin(TRAINED)]
