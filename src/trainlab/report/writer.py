"""A study's report, rebuilt from its run directories: tables, findings, figures.

OUT/results.csv                     one row per run, ranked by the study's rule
OUT/configs.csv                     one row per configuration: mean, sd, 95% CI, n
OUT/findings.md                     the conclusions (`trainlab.report.findings`)
OUT/figures/effects.png             each level's effect with its interval over seeds
OUT/figures/lc_<axis>.png           metrics against each numeric axis, per sub-grid
OUT/figures/history_grid[_<k>].png  epoch (or batch) curves of each sub-grid's configurations
OUT/figures/question_<k>.png        each question's answer
OUT/figures/compare_<k>.png         each [[figure]] of the spec: chosen runs' epoch curves
OUT/figures/equivariance/*.png      with [report] equivariance: shift and rotation maps
OUT/figures/samples.png, classes.png  the data the study trained on
OUT/figures/captions.json           what each figure shows, in words (written with it)
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd

from trainlab.atomic import atomic_open, atomic_write_text, save_figure
from trainlab.errors import TrainlabError
from trainlab.report.analysis import StudyAnalysis, analyze_study
from trainlab.report.equivariance import equivariance_experiment
from trainlab.report.findings import write_findings
from trainlab.report.results import configurations, grid_tables
from trainlab.run import rundir
from trainlab.run.config import RunConfig
from trainlab.run.reload import batch_losses
from trainlab.run.splits import load_run_splits
from trainlab.study import studydir
from trainlab.study.figure_specs import FigureSpec
from trainlab.study.questions import ReportConfig
from trainlab.viz import (
    class_distribution,
    epoch_curves,
    history_grid,
    learning_curve,
    sample_grid,
)
from trainlab.viz.curves import SKIP_FIRST
from trainlab.viz.effects import effects_figure
from trainlab.viz.questions import question_figure
from trainlab.viz.smoothing import EMA_NAME

CAPTIONS_FILE = "captions.json"
HISTORY_GRID_RUNS = 24  # configurations drawn in one history grid at most (the first ones)
LOG_AXES = ("lr", "weight_decay", "wd", "l1", "l2", "decay")  # rates and decays: log x axis
MAX_LINES = 6  # a learning curve draws one line per level of the sub-grid's other axes


def write_report(out: str | Path) -> StudyAnalysis:
    """Write the tables, findings and figures of the study in `out`; return its analysis."""
    out = Path(out)
    index = studydir.read_study(out)
    axes = list(index.get("axes", {}))
    analysis = analyze_study(out)
    with atomic_open(out / studydir.RESULTS_FILE, "w") as f:
        analysis.table.to_csv(f, index=False)
    with atomic_open(out / studydir.CONFIGS_FILE, "w") as f:
        configurations(analysis.table, axes).to_csv(f, index=False)
    atomic_write_text(out / studydir.FINDINGS_FILE, write_findings(analysis, out))
    _figures(out, analysis, index)
    return analysis


def _figures(out: Path, analysis: StudyAnalysis, index: dict) -> None:
    figures = out / studydir.FIGURES_DIR
    captions: dict[str, str] = {}
    ok = analysis.finished
    if ok.empty:
        return
    captions.update(_dataset_figures(rundir.run_dir(out, ok["run"].iloc[0]), figures))
    metric = analysis.metric.name
    if analysis.grids:
        panels = [(f"sub-grid {g.index + 1}", g.effects) for g in analysis.grids]
        save_figure(effects_figure(panels, metric, replicated=analysis.replicated),
                    figures / "effects.png")  # fmt: skip
        captions["effects.png"] = (
            f"What each setting does to {analysis.metric.label}: each level's mean minus its "
            "sub-grid's mean, with 95% intervals from seed noise (red: clear of zero in an axis "
            "that matters after the correction over the study's axes; grey: not)."
        )
    grids = index.get("grids") or [analysis.axes]
    for k, (grid_axes, runs) in enumerate(grid_tables(ok, grids)):
        present = [a for a in grid_axes if a in runs and runs[a].notna().any()]
        for axis in present:
            name = _learning_curve(runs, axis, [a for a in present if a != axis], figures)
            if name:
                captions[name] = (
                    f"Learning curve against {axis}: the kept model's training (dashed) and "
                    "validation (solid) loss and accuracy, mean over seeds"
                    + (" with 95% bands" if len(analysis.seeds) > 1 else "")
                    + "."
                )
        suffix = f"_{k + 1}" if len(grids) > 1 else ""
        heading = f" of sub-grid {k + 1} ({', '.join(present)})" if len(grids) > 1 else ""
        caption = _history_grid(out, runs, present, figures / f"history_grid{suffix}.png",
                                index.get("axes", {}), heading=heading)  # fmt: skip
        if caption:
            captions[f"history_grid{suffix}.png"] = caption
    by_question: dict[str, list] = {}
    for ans in analysis.answers:
        by_question.setdefault(ans.question.text, []).append(ans)
    for k, answers in enumerate(by_question.values(), start=1):
        save_figure(question_figure(answers), figures / f"question_{k}.png")
        captions[f"question_{k}.png"] = (
            f"{answers[0].question.text} Side a minus side b with its 95% interval over seeds."
        )
    for k, spec in enumerate(FigureSpec.from_dict(f) for f in index.get("figures", [])):
        drawn = _comparison_figure(out, ok, spec, grids, figures / f"compare_{k + 1}.png")
        if drawn:
            captions[drawn] = spec.title + "."
    if analysis_report(index).equivariance:
        captions.update(_equivariance_figures(out, ok, figures))
    previous = read_captions(figures)
    atomic_write_text(figures / CAPTIONS_FILE, json.dumps({**previous, **captions}, indent=2))


def analysis_report(index: dict) -> ReportConfig:
    """The study's ``[report]`` settings from its index."""
    return ReportConfig(**index.get("report", {}))


def _comparison_figure(
    out: Path, runs: pd.DataFrame, spec: FigureSpec, grids: list, path: Path
) -> str | None:
    """A `[[figure]]`: epoch curves of the chosen runs, grouped into panels and lines."""
    if spec.grid is not None:
        runs = grid_tables(runs, grids)[spec.grid][1]
    panels: dict[str, dict[str, list[pd.DataFrame]]] = {}
    for row in runs.itertuples():
        history = rundir.run_dir(out, row.run) / rundir.HISTORY_FILE
        if not history.is_file():
            continue
        panel = f"{spec.panels}={getattr(row, spec.panels)}" if spec.panels else ""
        line = f"{spec.lines}={getattr(row, spec.lines)}" if spec.lines else row.point
        panels.setdefault(panel, {}).setdefault(line, []).append(pd.read_csv(history))
    if not panels:
        return None
    save_figure(epoch_curves(panels, spec.metrics, title=spec.title, log_y=spec.log_y), path)
    return path.name


def _equivariance_figures(out: Path, runs: pd.DataFrame, figures: Path) -> dict[str, str]:
    """The course's equivariance figures, on the first training image of the study's data."""
    config = rundir.read_json(rundir.run_dir(out, runs["run"].iloc[0]) / rundir.CONFIG_FILE)
    data = config["config"]["data"]
    if data.get("synthetic"):
        return {}  # generated stand-in data: the figure would show noise, not a garment
    try:
        results = equivariance_experiment(
            data["name"], figures / "equivariance", root=data.get("root") or None
        )
    except TrainlabError:
        return {}
    return {
        f"equivariance/{name}.png": (
            f"Equivariance of a random conv-only network to a {name} on the first training "
            f"image: x, f(x), g(x), g(f(x)), f(g(x)) and |g(f(x)) - f(g(x))| "
            f"(max {check.max_difference:.3g}; zero where convolution commutes with g)."
        )
        for name, (check, _) in results.items()
    }


def _history_caption(
    heading: str,
    axes: list[str],
    n_seeds: int,
    *,
    per_epoch: bool,
    stars: bool,
    val_size: int | None,
    more: int,
) -> str:
    """What the history grid draws, in words (it must match: bands, stars, which set)."""
    rows = f"one row per {axes[0]}" if axes else "one panel per configuration"
    mean = (
        f"the mean over each configuration's {n_seeds} seeds, with the 95% t-interval of that "
        "mean as a band"
        if n_seeds > 1
        else "one seed per configuration"
    )
    if per_epoch:
        what = (
            "Training (dashed) and validation (solid) loss and accuracy per epoch, scored in "
            "eval mode at the end of each epoch (validation: the full validation set)"
        )
    else:
        subset = f"{val_size} validation images" if val_size else "validation images"
        what = (
            "Loss per batch: the training loss (dashed) and the loss on the monitor's fixed "
            f"subset of {subset} scored after each step (solid; the tables use the full "
            f"validation set), each seed smoothed by an {EMA_NAME} moving average; the y axis "
            f"leaves out the first {SKIP_FIRST:.0%} of the steps (the first steps' loss is "
            "far higher)"
        )
    star = "; a star marks the epoch a seed's early stopping kept" if stars else ""
    extra = f" The {more} further configurations are in the tables." if more > 0 else ""
    return f"Each panel is one configuration{heading}{rows}: {mean}. {what}{star}.{extra}"


def read_captions(figures: Path) -> dict[str, str]:
    """The captions.json in directory `figures` (file name -> what it shows), or {}
    before the figures are drawn."""
    try:
        data = json.loads((figures / CAPTIONS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _learning_curve(runs: pd.DataFrame, axis: str, others: list[str], figures: Path) -> str | None:
    """lc_<axis>.png for a numeric axis (its file name), None for a categorical one."""
    values = pd.to_numeric(runs[axis], errors="coerce")
    if values.isna().any() or values.nunique() < 2:
        return None  # categorical axes are covered by the effects figure
    numeric = runs.assign(**{axis: values}).rename(columns=lambda c: c.removeprefix("final_"))
    by = [a for a in others if numeric[a].nunique() > 1]
    combos = numeric[by].drop_duplicates() if by else []
    fig = learning_curve(
        numeric, axis, log_x=_log_axis(axis, values), by=by if 1 < len(combos) <= MAX_LINES else []
    )
    save_figure(fig, figures / f"lc_{axis}.png")
    return f"lc_{axis}.png"


def _history_grid(
    out: Path,
    runs: pd.DataFrame,
    axes: list[str],
    path: Path,
    levels: dict[str, list[str]],
    *,
    heading: str,
) -> str | None:
    """Curves of one sub-grid's configurations, each the mean over its seeds with the 95%
    band of that mean, laid out by the sub-grid's axes in the spec's order of levels;
    returns the caption (None when no run has curves)."""
    ordered = _spec_order(runs, axes, levels)
    points = list(dict.fromkeys(ordered["point"]))[:HISTORY_GRID_RUNS]
    first_rows = ordered.drop_duplicates("point").set_index("point").loc[points].reset_index()
    labels = {  # the sub-grid's levels: short titles that fit a panel
        row.point: ", ".join(f"{a}={getattr(row, a)}" for a in axes) or row.point
        for row in first_rows.itertuples()
    }
    seeds = {point: ordered[ordered["point"] == point] for point in points}
    histories = {
        point: [pd.read_csv(rundir.run_dir(out, r) / rundir.HISTORY_FILE) for r in group["run"]
                if (rundir.run_dir(out, r) / rundir.HISTORY_FILE).is_file()]
        for point, group in seeds.items()
    }  # fmt: skip
    histories = {p: h for p, h in histories.items() if h}
    if not histories:
        return None
    n_seeds = max(len(h) for h in histories.values())
    per_epoch = max(len(f) for h in histories.values() for f in h) > 2
    if per_epoch:  # enough epochs for epoch curves
        frames = {labels[p]: h for p, h in histories.items()}
        stars = {labels[p]: [int(k) for k in seeds[p]["kept_epoch"] if _finite(k)]
                 for p in histories}  # fmt: skip
        stars = {
            label: kept for label, kept in stars.items() if _kept_before_last(kept, frames[label])
        }
        fig = history_grid(_layout(first_rows, axes, frames), star_epoch=stars)
    else:  # short runs: per-batch losses (the record, else batches.csv)
        frames = {}
        for p in histories:
            losses = [batch_losses(rundir.run_dir(out, r)) for r in seeds[p]["run"]]
            losses = [f for f in losses if f is not None and not f.empty]
            if losses:
                frames[labels[p]] = losses
        if not frames:
            return None
        stars = {}
        fig = history_grid(
            _layout(first_rows, axes, frames), x="step",
            panels=(("loss per batch", ("train_loss", "val_loss")),),
        )  # fmt: skip
    save_figure(fig, path)
    return _history_caption(heading, axes, n_seeds, per_epoch=per_epoch, stars=bool(stars),
                            val_size=_monitor_val_size(out, ordered["run"].iloc[0]),
                            more=len(dict.fromkeys(ordered["point"])) - len(points))  # fmt: skip


def _kept_before_last(kept: list[int], frames: list[pd.DataFrame]) -> bool:
    """Some seed kept an epoch before its last (a star at the last epoch says nothing)."""
    last = [int(f["epoch"].max()) for f in frames]
    return any(k < max(last) for k in kept)


def _monitor_val_size(out: Path, run: str) -> int | None:
    """The size of the monitor's validation subset (the per-batch validation loss's)."""
    try:
        config = rundir.read_json(rundir.run_dir(out, run) / rundir.CONFIG_FILE)
    except (OSError, ValueError):
        return None
    return config.get("config", {}).get("monitor", {}).get("val_size")


def _spec_order(runs: pd.DataFrame, axes: list[str], levels: dict[str, list[str]]) -> pd.DataFrame:
    """`runs` sorted by their axes' levels in the order the spec lists them."""
    if not axes:
        return runs
    keys = {
        axis: runs[axis].astype(str).map({label: i for i, label in enumerate(levels.get(axis, []))})
        for axis in axes
    }
    order = pd.DataFrame(keys).fillna(len(runs)).sort_values(list(axes), kind="stable").index
    return runs.loc[order]


def _layout(runs: pd.DataFrame, axes: list[str], frames: dict[str, pd.DataFrame]) -> list[list]:
    """Rows by the first axis's levels, columns by the other axes' combinations (as the
    course exercises lay them out: one row per weight decay, per learning rate, ...)."""
    if not axes:
        return [[(label, frame)] for label, frame in frames.items()]
    rows_axis, col_axes = axes[0], axes[1:]
    rows: dict[str, list] = {}
    cols: dict[tuple, int] = {}
    for row in runs.itertuples():
        label = ", ".join(f"{a}={getattr(row, a)}" for a in axes)
        if label not in frames:
            continue
        key = tuple(str(getattr(row, a)) for a in col_axes)
        col = cols.setdefault(key, len(cols))
        cells = rows.setdefault(str(getattr(row, rows_axis)), [])
        cells += [None] * (col + 1 - len(cells))
        cells[col] = (label, frames[label])
    return list(rows.values())


def _dataset_figures(directory: Path, figures: Path) -> dict[str, str]:
    """Sample images and the class balance of the splits the study trained on."""
    if (figures / "classes.png").is_file():
        return {}  # the data of a study never change; drawn once
    data = RunConfig.from_dict(rundir.read_json(directory / rundir.CONFIG_FILE)["config"],
                               where=str(directory / rundir.CONFIG_FILE)).data  # fmt: skip
    try:
        splits = load_run_splits(data)
    except TrainlabError:  # e.g. the report is rebuilt on a machine without the dataset
        return {}
    pixels = "standardized pixels" if data.standardize != "none" else "pixels in [0, 1]"
    save_figure(sample_grid(splits.train_x, splits.train_y, splits.classes, n=32,
                            title=f"{data.name}: the first 32 training images ({pixels}, "
                            "each scaled to its own range for display)"),
                figures / "samples.png")  # fmt: skip
    labels = {"train": splits.train_y, "val": splits.val_y, "test": splits.test_y}
    save_figure(class_distribution(labels, splits.classes, title=f"{data.name}: images per class"),
                figures / "classes.png")  # fmt: skip
    return {
        "samples.png": f"The first 32 training images of {data.name} with their classes "
        f"({pixels}; each image scaled to its own range for display).",
        "classes.png": f"Images per class in the train, validation and test splits of {data.name}.",
    }


def _finite(value) -> bool:
    try:
        return math.isfinite(float(value)) and float(value) >= 1
    except (TypeError, ValueError):
        return False


def _log_axis(axis: str, values: pd.Series) -> bool:
    positive = values[values > 0]
    spans_decades = len(positive) > 1 and positive.max() / positive.min() >= 100
    return axis in LOG_AXES or spans_decades
