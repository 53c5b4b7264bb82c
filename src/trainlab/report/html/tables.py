"""The index's tables: one row per run, one per configuration; headers in words.

Every column has a label, a tooltip and a glossary entry from one `Column`: the
metrics' from `trainlab.run.metrics.METRICS`, the others' from `RUN_COLUMNS` and
`CONFIG_COLUMNS` here. Rows come ranked best first (the study's ranking rule) and
the best one is marked.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from trainlab.report.html import format as fmt
from trainlab.report.html.runs import RunView, page_href
from trainlab.report.results import IDENTITY_COLUMNS, STATUS_COLUMNS
from trainlab.run.metrics import METRIC_COLUMNS, METRICS, Metric
from trainlab.run.status import TRAINED, why_it_ended
from trainlab.stats import STANDING_WORDS, BestSet

# The per-configuration table shows these metrics (those the study has), after its ranking metric.
CONFIG_METRICS = ("val_loss", "val_acc", "train_loss", "train_acc", "gap_loss", "test_loss",
                  "test_acc")  # fmt: skip


@dataclass(frozen=True)
class Column:
    """A table column: its key, a header in words and what it means (tooltip, glossary)."""

    key: str
    label: str
    description: str
    numeric: bool = False


RUN_COLUMNS = {
    c.key: c
    for c in (
        Column("run", "run", "One training run: a configuration trained with one seed. The "
               "link opens its page (curves, dashboard, movie, config, files)."),
        Column("point", "configuration", "The grid point: one level of every axis. Its runs "
               "differ only in their seed."),
        Column("seed", "seed", "The run's random seed: initial weights, data order, dropout "
               "masks and the monitor's samples.", numeric=True),
        Column("diagnoses", "diagnoses", "Problems the training monitor detected in the run; "
               "the run's page explains each and suggests a fix."),
        Column("status", "status", "completed; stopped (early stopping ended it); diverged (the "
               "loss stopped being finite); failed (an error, on the run's page); while the "
               "study runs: running, starting or queued; after an interruption: unfinished."),
        Column("stop_reason", "stop reason", "Why training ended before its planned steps."),
        Column("stop_step", "stopped at step", "The optimizer step at which training ended "
               "early.", numeric=True),
        Column("kept_by", "weights kept", "Which weights the run's metrics describe: its last "
               "epoch's, or those of the best epoch its early-stopping rule restored."),
        Column("seconds", "seconds", "Wall-clock time of the run: loading data, training, "
               "drawing its figures.", numeric=True),
        Column("grids", "sub-grids", "The [[grid]] tables of the spec the run belongs to, "
               "counted from 1."),
    )
}  # fmt: skip
CONFIG_COLUMNS = {
    c.key: c
    for c in (
        Column("n", "seeds", "Finished runs (seeds) the configuration's means are over.",
               numeric=True),
        Column("difference", "difference from best", "The configuration's mean minus the best "
               "one's, with Hsu's MCB bounds from the seed noise (simultaneous over the "
               "comparisons with the best).", numeric=True),
        Column("verdict", "compared with the best", "best; within seed noise of the best: "
               "it may be the best (the bounds of the difference contain 0); ruled out as the "
               "best: they do not; noise unknown: one seed per configuration."),
    )
}  # fmt: skip
MEAN_NOTE = " Cells: the mean over the configuration's seeds with its 95% t-interval."


@dataclass(frozen=True)
class Cell:
    """One table cell: its text, and optionally a sort value, a link, a badge or a tooltip."""

    text: str
    sort: str | None = None  # data-value of numeric columns: the exact number
    detail: str = ""  # a second, quieter line: an estimate's interval
    css: str | None = None
    href: str | None = None
    badge: str | None = None  # CSS class suffix: the text is drawn as a status badge
    title: str | None = None


@dataclass(frozen=True)
class Row:
    """A table row; `best` rows are highlighted. `pick` is what its checkbox adds to the
    curves: ("run", name) or ("point", configuration); `picked`: checked at first."""

    cells: list[Cell]
    best: bool = False
    pick: tuple[str, str] | None = None
    picked: bool = False


@dataclass(frozen=True)
class Table:
    """A table ready for templates/macros.html's `table`."""

    id: str
    heading: str
    intro: str  # what a row is and how the rows are ordered
    columns: list[Column]
    rows: list[Row]
    best: str = ""  # tooltip of the highlighted row
    note: str = ""  # under the table, e.g. which columns are left out and why
    csv: str = ""  # the same rows as a CSV file, when report.py has written it
    pick: str = ""  # header of the checkbox column that chooses rows for the curves
    filter: bool = False  # a box above the table that filters its rows


@dataclass
class TableContext:
    """What both tables need to know about the study."""

    table: pd.DataFrame  # analysis.table: every run, ranked best first
    views: dict[str, RunView]
    axes: list[str]
    metric: Metric
    levels: dict[str, list[str]] = field(default_factory=dict)  # axis -> its levels
    noise: dict[str, float] = field(default_factory=dict)  # seed sd per metric
    n_grids: int = 1


def seed_noise(configs: pd.DataFrame) -> dict[str, float]:
    """Per metric, the seed sd pooled over configurations with two or more seeds (or NaN)."""
    noise = {}
    for metric in METRIC_COLUMNS:
        sd, n = configs.get(f"{metric}_sd"), configs.get(f"{metric}_n")
        if sd is None or n is None:
            continue
        ok = (n >= 2) & np.isfinite(sd)
        dof = (n[ok] - 1).sum()
        noise[metric] = (
            float(math.sqrt(((n[ok] - 1) * sd[ok] ** 2).sum() / dof)) if dof else math.nan
        )
    return noise


def status_class(status: str) -> str:
    """The badge class of a run status: "status-completed", "status-not-started"."""
    return "status-" + re.sub(r"[^a-z]+", "-", status.lower()).strip("-")


def axis_column(axis: str, levels: list[str], numeric: bool) -> Column:
    """The column of a grid axis; its description lists the levels."""
    return Column(axis, axis, f"An axis of the study's grid; levels: {', '.join(levels)}.", numeric)


def metric_column(metric: Metric, key: str | None = None, note: str = "") -> Column:
    """The column of a metric, labelled and described by the METRICS glossary."""
    better = f" {metric.better.capitalize()} is better." if metric.better else ""
    return Column(key or metric.name, metric.label, f"{metric.description}{better}{note}", True)


PICK_RUNS = "plot"  # the checkbox column's header: check a row to draw its curves
FILTER_ABOVE = 20  # runs tables longer than this get a filter box


def runs_table(ctx: TableContext, *, picked: set[str] = frozenset()) -> Table:
    """One row per run directory, ranked best first, sortable by any column; a checkbox
    per run that has curves adds them to the index's chart (`picked` checked)."""
    table = ctx.table
    columns = [RUN_COLUMNS["run"], RUN_COLUMNS["point"], RUN_COLUMNS["seed"]]
    columns += [axis_column(a, ctx.levels.get(a, []), _numeric(table[a])) for a in ctx.axes
                if a in table and table[a].notna().any()]  # fmt: skip
    known = {
        *IDENTITY_COLUMNS,
        *ctx.axes,
        *METRIC_COLUMNS,
        *STATUS_COLUMNS,
        "grids",
        "diagnoses",
    }  # the diagnoses column below reads them from run.json
    trained = table[table["status"].isin(TRAINED)] if table["status"].isin(TRAINED).any() else table
    columns += [Column(c, c, _OTHER_SETTING, _numeric(table[c]))
                for c in table.columns if c not in known and _varies(trained[c])]  # fmt: skip
    metrics, hidden = _metric_columns(table, ctx.metric)
    columns += metrics
    if any(v.diagnoses for v in ctx.views.values()):
        columns.append(RUN_COLUMNS["diagnoses"])
    columns.append(RUN_COLUMNS["status"])
    columns += [_status_column(k) for k in STATUS_COLUMNS
                if k not in ("status", "error") and table[k].notna().any()]  # fmt: skip
    if ctx.n_grids > 1:
        columns.append(RUN_COLUMNS["grids"])
    best = _best_run(table, ctx.metric)
    rows = [
        Row([_run_cell(column, record, ctx) for column in columns], best=record["run"] == best,
            pick=("run", str(record["run"])), picked=record["run"] in picked)
        for record in table.to_dict("records")
    ]  # fmt: skip
    note = ""
    if hidden:
        same = "; ".join(f"{h.label} (= {s.label})" for h, s in hidden)
        note = f"Not shown, equal to another column in every run: {same}."
    return Table(
        "results-table", "Runs",
        f"One row per run, best {ctx.metric.label} first; click a header to sort by it, a run "
        f"to open its page; check {PICK_RUNS} to draw a run's curves above (two runs: compare "
        "them side by side).",
        columns, rows, best=f"The best run by {ctx.metric.label}", note=note, pick=PICK_RUNS,
        filter=len(rows) > FILTER_ABOVE,
    )  # fmt: skip


def configs_table(
    ctx: TableContext,
    configs: pd.DataFrame,
    best: BestSet | None,
    *,
    picked: set[str] = frozenset(),
) -> Table:
    """One row per configuration: means with 95% intervals over seeds, best first; a
    checkbox draws its mean curve with the seed band (`picked` checked)."""
    metric = ctx.metric
    present = [a for a in ctx.axes if a in configs and configs[a].notna().any()]
    others = [
        m
        for m in CONFIG_METRICS
        if m != metric.name and f"{m}_n" in configs and configs[f"{m}_n"].any()
    ]
    columns = [RUN_COLUMNS["point"]]
    columns += [axis_column(a, ctx.levels.get(a, []), _numeric(configs[a])) for a in present]
    columns += [metric_column(METRICS[metric.name], f"{metric.name}_mean", MEAN_NOTE),
                dataclasses.replace(CONFIG_COLUMNS["n"], key=f"{metric.name}_n")]  # fmt: skip
    standing = best.table.set_index("point") if best is not None else pd.DataFrame()
    if best is not None:
        columns += [CONFIG_COLUMNS["difference"], CONFIG_COLUMNS["verdict"]]
    columns += [metric_column(METRICS[m], f"{m}_mean", MEAN_NOTE) for m in others]
    order = list(standing.index) if best is not None else []
    ranked = configs.set_index("point", drop=False)
    ranked = ranked.loc[[p for p in order if p in ranked.index]
                        + [p for p in ranked.index if p not in order]]  # fmt: skip
    rows = []
    for record in ranked.to_dict("records"):
        point = record["point"]
        versus = standing.loc[point].to_dict() if point in standing.index else {}
        cells = [_config_cell(c, record, versus) for c in columns]
        rows.append(Row(cells, best=best is not None and point == best.point,
                        pick=("point", str(point)), picked=str(point) in picked))  # fmt: skip
    return Table(
        "configs-table", "Configurations",
        f"One row per configuration, best mean {metric.label} first: each cell is the mean "
        f"over the configuration's seeds with its 95% t-interval; check {PICK_RUNS} to draw "
        "its curves above.",
        columns, rows, best=f"The best configuration by mean {metric.label}", pick=PICK_RUNS,
        filter=len(rows) > FILTER_ABOVE,
    )  # fmt: skip


def glossary(tables: list[Table]) -> list[tuple[str, str, str]]:
    """(label, metric name or "", description) of each column of `tables` once, in order."""
    seen: dict[str, tuple[str, str, str]] = {}
    for table in tables:
        for column in table.columns:
            key = column.key if column.key in METRICS else column.key.removesuffix("_mean")
            if key not in seen and column.description:
                name = key if key in METRICS else ""
                seen[key] = (column.label, name, column.description.removesuffix(MEAN_NOTE))
    return list(seen.values())


# --- Cells -----------------------------------------------------------------------------------


_OTHER_SETTING = (
    "A setting that differs between runs without being an axis of the grid (e.g. one an "
    "[[extra]] run of the spec sets); settings equal in every run are not shown."
)


def _status_column(key: str) -> Column:
    """A column of results.STATUS_COLUMNS (one added there shows under its own name)."""
    words = key.replace("_", " ")
    return RUN_COLUMNS.get(key) or Column(key, words, f"The run's {words}, from its run.json.")


def _metric_columns(table: pd.DataFrame, metric: Metric) -> tuple[list[Column], list[tuple]]:
    """The metric columns with values, ranking metric first, less those that repeat another
    shown column in every run (e.g. the last epoch's loss without early stopping)."""
    names = [metric.name] + [m for m in METRIC_COLUMNS if m != metric.name]
    shown: list[Column] = []
    hidden: list[tuple[Column, Column]] = []
    for name in names:
        if name not in table or not table[name].notna().any():
            continue
        column = metric_column(METRICS[name])
        twin = next((s for s in shown if _same(table[s.key], table[name])), None)
        if twin is None:
            shown.append(column)
        else:
            hidden.append((column, twin))
    return shown, hidden


def _same(a: pd.Series, b: pd.Series) -> bool:
    x, y = pd.to_numeric(a, errors="coerce"), pd.to_numeric(b, errors="coerce")
    return bool(((x == y) | (x.isna() & y.isna())).all())


def _best_run(table: pd.DataFrame, metric: Metric) -> str | None:
    """The first run of the ranked table, if it finished with a value of the metric."""
    if table.empty:
        return None
    first = table.iloc[0]
    finished = first["status"] in TRAINED and not fmt.missing(first[metric.name])
    return first["run"] if finished else None


def _run_cell(column: Column, record: dict[str, Any], ctx: TableContext) -> Cell:
    key, value = column.key, record.get(column.key)
    view = ctx.views.get(record["run"])
    if view is not None and not view.finished and key in ("point", "seed", *ctx.axes):
        value = _identity(view).get(key, value)  # not in the table before run.json exists
    if key == "run":
        return Cell(str(value), css="run", href=page_href(str(value)))
    if key == "status":
        status = view.status if view is not None else str(value)
        return Cell(status, badge=status_class(status), title=why_it_ended(record) or None)
    if key == "diagnoses":
        found = view.diagnoses if view is not None else []
        explained = "; ".join(d.explanation for d in found if d.explanation)
        return Cell(", ".join(d.label for d in found), css="long", title=explained or None)
    if key == "stop_reason":
        return Cell("" if fmt.missing(value) else str(value), css="long")
    if key == "seconds":
        return Cell("" if fmt.missing(value) else f"{float(value):.1f}", sort=fmt.sort_value(value))
    if key == "grids":
        grids = str(value or "").split()
        return Cell(" ".join(str(int(g) + 1) for g in grids if g.isdigit()))
    if column.numeric:
        shown = str(value) if key in ctx.axes and not fmt.missing(value) else None
        text = shown or fmt.number(value, ctx.noise.get(key, math.nan))
        return Cell(text, sort=fmt.sort_value(value))
    return Cell("" if fmt.missing(value) else str(value))


def _identity(view: RunView) -> dict[str, Any]:
    """A run's point, seed and levels from its config.json (written when it starts)."""
    config = view.config
    return {k: config[k] for k in ("point", "seed") if k in config} | config.get("varied", {})


def _config_cell(column: Column, record: dict[str, Any], versus: dict[str, Any]) -> Cell:
    key = column.key
    if key.endswith("_mean"):
        metric = key.removesuffix("_mean")
        mean = record.get(key)
        text = fmt.estimate(mean, record.get(f"{metric}_ci_low"), record.get(f"{metric}_ci_high"))
        return _estimate_cell(text, mean)
    if key == "difference":
        difference = versus.get("difference")
        return _estimate_cell(fmt.estimate(difference, versus.get("low"), versus.get("high")),
                              difference)  # fmt: skip
    if key == "verdict":
        verdict = versus.get("verdict")
        if fmt.missing(verdict):
            return Cell("")
        return Cell(STANDING_WORDS.get(verdict, verdict), badge=f"verdict-{verdict}")
    value = record.get(key)
    if key.endswith("_n"):  # seeds: a count
        return Cell(fmt.number(value), sort=fmt.sort_value(value))
    # an axis: its level as the spec names it
    return Cell("" if fmt.missing(value) else str(value),
                sort=fmt.sort_value(value) if column.numeric else None)  # fmt: skip


def _estimate_cell(text: str, value: Any) -> Cell:
    """ "0.79 (0.36 to 1.21)" as the mean with its interval on a second line."""
    mean, _, interval = text.partition(" (")
    return Cell(mean, sort=fmt.sort_value(value), detail=f"({interval}" if interval else "")


def _varies(column: pd.Series) -> bool:
    """Two or more distinct values (missing counts as one) among the runs that trained (a
    failed run's missing settings do not make a column): a column worth a look."""
    return column.astype(str).where(column.notna(), "").nunique() > 1


def _numeric(column: pd.Series) -> bool:
    present = column.dropna()
    return not present.empty and bool(pd.to_numeric(present, errors="coerce").notna().all())
