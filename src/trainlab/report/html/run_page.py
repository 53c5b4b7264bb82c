"""One run's page (OUT/report/runs/<run>.html): state, problems, diagnoses, metrics,
curves, the player, figures, config and files, from what `runs.read_runs` read of its
directory. The pictures it shows are copies in OUT/report/files/<run>/ (`portable`);
the Files list links to the run directory itself, in the study folder."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trainlab.diagnose import Diagnosis
from trainlab.report.html import format as fmt
from trainlab.report.html.explore import as_script, run_data
from trainlab.report.html.portable import copy_run_file, file_href
from trainlab.report.html.render import REFRESH_S, CaptionedFigure, href, render_page
from trainlab.report.html.rundata import RunData
from trainlab.report.html.runs import RunView
from trainlab.report.html.tables import status_class
from trainlab.run import rundir
from trainlab.run.execute import TEST_GRID_IMAGES
from trainlab.run.metrics import METRICS
from trainlab.run.status import DIVERGED, FAILED, RUNNING, STARTING, STOPPED, UNFINISHED
from trainlab.viz.dashboard import BAND_ABOVE

# Config values where 0 is not a number but a word.
ZERO_MEANS = {
    ("data", "train_size"): "all",
    ("train", "max_steps"): "none (the epochs decide)",
    ("train", "train_eval_size"): "all",
    ("resources", "memory_mb"): "none",
}
_LAST_EPOCH = tuple(m for m in METRICS if m.startswith("final_"))  # metrics of the last epoch


@dataclass(frozen=True)
class Neighbours:
    """The runs before and after this one in the study's order, for the page's links."""

    previous: str | None
    next: str | None


def run_page(
    view: RunView,
    *,
    study_name: str,
    neighbours: Neighbours,
    data: RunData,
    mates: list[str],
    point: str,
    noise: dict[str, float],
    running: bool,
    report: Path,
) -> str:
    """The HTML page of one run (OUT/report/runs/<run>.html); copies the pictures it
    shows into `report` (OUT/report).

    Args:
        data: the run's data files (its curves and the player's).
        mates: the runs of its configuration that have curves (itself included).
        point: its configuration.
        noise: seed sd per metric, to round the run's metrics to.
        running: the study is running: an unfinished run's page reloads itself.
    """
    meta = view.meta or {}
    files = "../../" + href(rundir.RUNS_DIR, view.name)  # the page is OUT/report/runs/<run>.html
    return render_page(
        "run.html",
        title=f"{view.name}: {view.status}",
        root="../",
        refresh=REFRESH_S if running and not view.finished else None,
        page_data=as_script(run_data(view, mates, point)),
        curves=data.curves is not None,
        player=data.player is not None,
        player_caption=_PLAYER_CAPTION,
        mates=len(mates),
        run_point=point,
        study_name=study_name,
        neighbours=[
            (word, other, href(f"{other}.html"))
            for word, other in (("previous", neighbours.previous), ("next", neighbours.next))
            if other
        ],  # fmt: skip
        run=view,
        badge=status_class(view.status),
        bar=_bar(view),
        seconds=f"{meta['seconds']:.1f} s" if meta.get("seconds") is not None else "",
        levels=(view.meta or view.config).get("varied", {}),
        state=_state(view),
        error=_error(view),
        diagnoses=[(d, _diagnosis_figure(view, d, report)) for d in view.diagnoses],
        metrics=_metric_rows(meta.get("metrics", {}), noise),
        last_is_kept=_last_is_kept(meta.get("metrics", {})),
        timings=[(k, f"{v:.2f} s") for k, v in meta.get("timings", {}).items()],
        figures=_figures(view, report),
        config=_config_sections(view.config.get("config", {})),
        config_version=view.config.get("trainlab_version", "unknown"),
        files=_files(view.directory, files),
    )


# --- The state of the run --------------------------------------------------------------------


def _state(view: RunView) -> str:
    """One sentence on where the run stands, or "" for a run that completed."""
    meta, status = view.meta or {}, view.status
    step = meta.get("stop_step")
    at = f" at step {step}" if step is not None else ""
    reason = f": {meta['stop_reason']}" if meta.get("stop_reason") else ""
    if status == DIVERGED:
        return f"Training diverged{at}{reason}. Its metrics describe a broken model."
    if status == STOPPED:
        return f"Early stopping ended training{at}{reason}."
    if status == RUNNING:
        return _progress_sentence(view.progress or {})
    if status == STARTING:
        return "This run has started: it is loading its data and building its model."
    if status == UNFINISHED:
        return (
            "This run has not finished: its directory has no run.json (the study was "
            "stopped while it trained). Running the study again redoes it."
        )
    return ""


def _progress_sentence(progress: dict[str, Any]) -> str:
    step, planned = progress.get("step"), progress.get("planned_steps")
    of = f" of {planned}" if planned else ""
    losses = [
        f"{word} {fmt.number(progress[key])}"
        for word, key in (("training loss", "train_loss"), ("validation loss", "val_loss"))
        if not fmt.missing(progress.get(key))
    ]
    updated = progress.get("updated")
    when = f" (at {fmt.clock(updated)})" if not fmt.missing(updated) else ""
    return (
        f"Training: step {step}{of}, epoch {progress.get('epoch')}"
        + (f"; latest {', '.join(losses)}" if losses else "")
        + f"{when}. This page reloads every few seconds."
    )


def _bar(view: RunView) -> tuple[int, int] | None:
    """(step, planned steps) of a run in flight, for a progress bar."""
    progress = view.progress or {}
    step, planned = progress.get("step"), progress.get("planned_steps")
    if view.status != RUNNING or not planned or step is None:
        return None
    return int(step), int(planned)


def _error(view: RunView) -> tuple[str, str] | None:
    """A failed run's error and the traceback it left in error.txt."""
    if view.status != FAILED or view.directory is None:
        return None
    try:
        trace = (view.directory / rundir.ERROR_FILE).read_text(encoding="utf-8")
    except OSError:
        trace = ""
    return str((view.meta or {}).get("error", "")), trace


def _metric_rows(metrics: dict[str, Any], noise: dict[str, float]) -> list[tuple]:
    """(label, name, description, value) per metric, in the glossary's order; the last
    epoch's metrics are left out when the run kept its last epoch (they repeat the kept)."""
    skip = _LAST_EPOCH if _last_is_kept(metrics) else ()
    return [
        (m.label, m.name, m.description, fmt.number(metrics[m.name], noise.get(m.name, math.nan)))
        for m in METRICS.values()
        if m.name in metrics and not fmt.missing(metrics[m.name]) and m.name not in skip
    ]


def _last_is_kept(metrics: dict[str, Any]) -> bool:
    kept, epochs = metrics.get("kept_epoch"), metrics.get("epochs_run")
    return kept is not None and kept == epochs


# --- Figures ---------------------------------------------------------------------------------


_PLAYER_CAPTION = (
    "Every panel at the step the slider sets (play runs through the steps; click a chart "
    "to jump there). Top: the loss and the signals the diagnoses read, per layer or "
    "activation, with a marker at the step; below, per layer, the distribution of its "
    "weights, gradients, net values (before the activation) and outputs (after it) at "
    "that step as the share of elements in each of 40 fixed bins (filled), over the "
    "initial weights' or the first step's (dashed). The bins are computed from the 21 "
    "quantiles the monitor stored per step (linear between quantiles, so shapes finer "
    "than 5% of the elements are not known); they span each tensor's usual range over "
    "the run, and the share beyond it is written beside its name."
)


def _figures(view: RunView, report: Path) -> list[CaptionedFigure]:
    """The run's pictures with their captions: dashboard, movie, test predictions."""
    figures: list[CaptionedFigure] = []
    directory = view.directory
    if directory is None or not view.finished:
        return figures  # the files below are written at the end of the run
    steps = (view.meta or {}).get("metrics", {}).get("steps", 0)
    if copy_run_file(directory, view.name, rundir.DASHBOARD_FILE, report):
        caption = _dashboard_caption(view, steps)
        figures.append(
            CaptionedFigure(file_href(view.name, rundir.DASHBOARD_FILE), caption, wide=True)
        )
    movie = rundir.movie_path(directory)
    if movie is not None and copy_run_file(directory, view.name, movie.name, report):
        frames = min(steps, view.setting("output", "movie_frames", steps)) if steps else "its"
        caption = (
            f"Training movie, {frames} frames (every step, or steps spread evenly over a long "
            "run), for sharing: the dashboard up to the frame's step (grey marker, step counter "
            "at the top right) and, beside each layer, the distribution at that step over the "
            "faint outline of the first. The player above reaches every step."
        )
        figures.append(
            CaptionedFigure(file_href(view.name, movie.name), caption, wide=True,
                            video=movie.suffix == ".mp4")
        )  # fmt: skip
    if copy_run_file(directory, view.name, rundir.TEST_PREDICTIONS_FILE, report):
        caption = (
            f"The first {TEST_GRID_IMAGES} test images with the kept model's prediction and "
            "the true class; wrong predictions in red."
        )
        figures.append(CaptionedFigure(file_href(view.name, rundir.TEST_PREDICTIONS_FILE), caption))
    return figures


def _dashboard_caption(view: RunView, steps: int) -> str:
    val_size = view.setting("monitor", "val_size", "the")
    shape = (
        "as a band from the lower to the upper whisker around the quartiles"
        if steps > BAND_ABOVE
        else "as a box per batch (box: quartiles and median; whiskers: 1.5 interquartile ranges)"
    )
    return (
        "Dashboard, per batch: at the top the training loss (faint per batch, its moving "
        f"average dark) and the loss on a fixed subset of {val_size} validation samples (red), "
        "the update ratio |step change| / |weight| of each layer and the fraction of dead "
        "(or saturated) units of each activation; below, one row per layer: the distribution "
        "of its weights (blue, batch 0 = initial weights) and of the net values (orange, "
        f"before the activation) and outputs (green, after it), {shape}."
    )


def _diagnosis_figure(view: RunView, diagnosis: Diagnosis, report: Path) -> CaptionedFigure | None:
    """The figure a diagnosis names, when it is a file inside the run directory (copied
    into the report)."""
    name = Path(diagnosis.figure)
    inside = diagnosis.figure and not name.is_absolute() and ".." not in name.parts
    if not inside or view.directory is None:
        return None
    if not copy_run_file(view.directory, view.name, name.as_posix(), report):
        return None
    where = diagnosis.where()
    caption = diagnosis.caption or (
        f"What the monitor saw for {diagnosis.label}{f' ({where})' if where else ''}."
    )
    return CaptionedFigure(file_href(view.name, name.as_posix()), caption)


# --- Config and files ------------------------------------------------------------------------


def _config_sections(resolved: dict[str, Any]) -> list[tuple[str, list[tuple[str, str]]]]:
    """(title, [(key, value)]) per config section; the model shows only its active kind."""
    scalars = {k: v for k, v in resolved.items() if not isinstance(v, dict)}
    sections = [("run", scalars)] if scalars else []
    for section, values in resolved.items():
        if not isinstance(values, dict):
            continue
        if section == "model" and values.get("kind") in values:
            kind = values["kind"]
            active = {"kind": kind, **{f"{kind}.{k}": v for k, v in values[kind].items()}}
            sections.append((f"model ({kind})", active))
        else:
            sections.append((section, values))
    return [
        (title, [(key, _config_value(title, key, value)) for key, value in values.items()])
        for title, values in sections
    ]


def _config_value(section: str, key: str, value: Any) -> str:
    if value == 0 and not isinstance(value, bool) and (section, key) in ZERO_MEANS:
        return f"0 = {ZERO_MEANS[section, key]}"
    return fmt.config_value(value)


def _files(directory: Path | None, prefix: str) -> list[tuple[str, str, str]]:
    """(name, href, size) of each file of the run directory (it may be changing under us)."""
    if directory is None:
        return []
    try:
        paths = sorted(directory.iterdir())
    except OSError:
        return []
    files = []
    for path in paths:
        if path.name.startswith("."):  # an atomic write's temporary file
            continue
        try:
            if path.is_file():
                files.append((path.name, f"{prefix}/{href(path.name)}",
                              fmt.file_size(path.stat().st_size)))  # fmt: skip
        except OSError:
            continue
    return files
