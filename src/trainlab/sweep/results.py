"""Results of a study: one table row per run, factor effects and interactions.

Pure functions over a pandas DataFrame (plus `collect_results`, which only reads
run directories), so the same numbers feed the CSV, the figures and the findings.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd

from trainlab.sweep.rundir import RUNS_DIR, read_meta

METRIC_COLUMNS = (
    "final_train_loss", "final_val_loss", "final_train_acc", "final_val_acc",
    "best_val_loss", "best_val_acc", "best_epoch", "val_loss_auc", "steps", "test_loss",
    "test_acc",
)  # fmt: skip


def collect_results(out: str | Path, axes: list[str] | None = None) -> pd.DataFrame:
    """Scan ``out/runs/*/run.json`` into a table: run, varied levels, metrics, status, time.

    Unfinished runs (no final metadata) appear with status ``unfinished``.
    """
    rows = []
    runs = Path(out) / RUNS_DIR
    for directory in sorted(p for p in runs.glob("*") if p.is_dir()):
        meta = read_meta(directory)
        if meta is None:
            rows.append({"run": directory.name, "status": "unfinished"})
            continue
        row = {"run": meta["name"], **meta.get("varied", {})}
        row.update({k: meta.get("metrics", {}).get(k, np.nan) for k in METRIC_COLUMNS})
        row.update(status=meta["status"], seconds=meta.get("seconds"), error=meta.get("error", ""))
        rows.append(row)
    if not rows:  # e.g. every worker died before writing anything: an empty, well-formed table
        columns = ["run", *(axes or []), *METRIC_COLUMNS, "status", "seconds", "error"]
        return pd.DataFrame(columns=columns)
    table = pd.DataFrame(rows)
    if axes:
        front = ["run", *[a for a in axes if a in table.columns]]
        table = table[front + [c for c in table.columns if c not in front]]
    return table


def factor_effects(table: pd.DataFrame, axes: list[str], metric: str) -> pd.DataFrame:
    """Mean, spread and count of `metric` per level of each axis, over all other axes.

    Returns columns: axis, level, mean, std, n, effect (mean minus the grand mean).
    """
    ok = finished_runs(table, metric)
    grand = ok[metric].mean()
    rows = []
    for axis in axes:
        for level, group in ok.groupby(axis, sort=False):
            values = group[metric]
            rows.append(
                {"axis": axis, "level": level, "mean": values.mean(), "std": values.std(ddof=0),
                 "n": len(values), "effect": values.mean() - grand}
            )  # fmt: skip
    return pd.DataFrame(rows, columns=["axis", "level", "mean", "std", "n", "effect"])


def interactions(table: pd.DataFrame, axes: list[str], metric: str) -> pd.DataFrame:
    """Two-way interaction strength for each pair of axes, strongest first.

    For a cell (a=i, b=j) the interaction is mean(i, j) - mean(i) - mean(j) + grand
    (what the two main effects do not explain); a pair's strength is the largest
    absolute cell interaction. Columns: axis_a, axis_b, strength, level_a, level_b.
    """
    ok = finished_runs(table, metric)
    grand = ok[metric].mean()
    rows = []
    for a, b in itertools.combinations(axes, 2):
        mean_a = ok.groupby(a, sort=False)[metric].mean()
        mean_b = ok.groupby(b, sort=False)[metric].mean()
        cells = ok.groupby([a, b], sort=False)[metric].mean()
        if cells.empty:
            continue
        resid = {(i, j): m - mean_a[i] - mean_b[j] + grand for (i, j), m in cells.items()}
        (i, j), value = max(resid.items(), key=lambda kv: abs(kv[1]))
        rows.append({"axis_a": a, "axis_b": b, "strength": abs(value), "level_a": i, "level_b": j})
    result = pd.DataFrame(rows, columns=["axis_a", "axis_b", "strength", "level_a", "level_b"])
    return result.sort_values("strength", ascending=False, ignore_index=True)


def sign_reversals(table: pd.DataFrame, axes: list[str], metric: str) -> pd.DataFrame:
    """Effects of a level that flip sign within one level of another axis.

    The effect of level i of axis a is mean(a=i) - mean(a); within level j of axis b
    it is mean(a=i, b=j) - mean(b=j). Rows where the two signs differ, largest
    conditional effect first. Columns: axis, level, main_effect, within_axis,
    within_level, effect.
    """
    ok = finished_runs(table, metric)
    rows = []
    for a, b in itertools.permutations(axes, 2):
        main = ok.groupby(a, sort=False)[metric].mean() - ok[metric].mean()
        for j, sub in ok.groupby(b, sort=False):
            within = sub.groupby(a, sort=False)[metric].mean() - sub[metric].mean()
            for i, effect in within.items():
                if np.sign(effect) * np.sign(main[i]) < 0:
                    rows.append(
                        {"axis": a, "level": i, "main_effect": main[i], "within_axis": b,
                         "within_level": j, "effect": effect}
                    )  # fmt: skip
    columns = ["axis", "level", "main_effect", "within_axis", "within_level", "effect"]
    result = pd.DataFrame(rows, columns=columns)
    order = result["effect"].abs().sort_values(ascending=False).index
    return result.loc[order].reset_index(drop=True)


def finished_runs(table: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Runs that completed (or stopped early) with a finite value of `metric`."""
    if metric not in table.columns:
        return table.iloc[0:0]
    finite = np.isfinite(pd.to_numeric(table[metric], errors="coerce"))
    return table[finite & table["status"].isin(["completed", "stopped"])]
