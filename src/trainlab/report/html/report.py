"""A browsable HTML report of a study, built from its output directory.

OUT/report/index.html          the answer (best configuration, what matters, questions,
                               diagnoses), runs in flight, tables, figures, glossary
OUT/report/runs/<run>.html     one page per run: state, error, diagnoses, metrics,
                               curves, dashboard, movie, config and its files
OUT/report/history/<run>.png   the run's loss and accuracy curves

Every link and image path is relative and every page embeds its CSS and script,
so the OUT folder can be zipped, shared and opened from disk with no server and
no network. `trainlab run --html` calls `write_html_report` every few seconds
while the study runs (finished runs appear as they finish, the pages reload
themselves) and once more at the end. This module writes the files; the
the other modules of this package only build pages.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from trainlab.atomic import atomic_write_text, save_figure
from trainlab.errors import TrainlabError
from trainlab.monitor.record import JSON_NAME
from trainlab.report.analysis import analyze
from trainlab.report.html.index import index_page
from trainlab.report.html.render import href
from trainlab.report.html.run_page import Neighbours, run_page
from trainlab.report.html.runs import RUN_PAGES_DIR, RunView, read_runs
from trainlab.report.html.tables import seed_noise
from trainlab.report.results import collect_results, configurations
from trainlab.report.writer import batch_losses
from trainlab.run import rundir
from trainlab.study import studydir
from trainlab.viz import history_grid

REPORT_DIR = studydir.REPORT_DIR
INDEX_FILE = "index.html"
HISTORY_DIR = "history"
EPOCH_CURVES_MIN = 3  # fewer epochs than this: plot per-batch losses instead (as report.py)
BATCH_PANELS = (("loss per batch", ("train_loss", "val_loss")),)
# What reading a run directory that is being redone (emptied, rewritten) can raise.
READ_ERRORS = (OSError, ValueError, TrainlabError)


def write_html_report(out: str | Path) -> Path:
    """Write ``OUT/report/index.html`` and one page per started run; return the index path.

    Safe to call while the study runs (from its driver or another process): run
    directories being written are read as far as they are, and every page is
    replaced atomically, run pages first so the index never links to a missing one.

    Raises:
        RecordError: `out` has no ``study.json``.
    """
    out = Path(out)
    study = studydir.read_study(out)
    running = studydir.study_is_running(out)
    axes = list(study.get("axes", {}))
    views = read_runs(out, study, running=running)
    analysis = analyze(collect_results(out, axes), study)
    configs = configurations(analysis.table, axes)
    noise = seed_noise(configs)
    report = out / REPORT_DIR
    started = [v for v in views if v.directory is not None]
    for i, view in enumerate(started):
        neighbours = Neighbours(
            started[i - 1].name if i else None,
            started[i + 1].name if i + 1 < len(started) else None,
        )
        page = run_page(
            view, study_name=str(study.get("name", "")), neighbours=neighbours,
            history=_history_plot(view, report), noise=noise, running=running,
        )  # fmt: skip
        _write_if_changed(report / RUN_PAGES_DIR / f"{view.name}.html", page)
    index = report / INDEX_FILE
    page = index_page(out, study, analysis, views, configs=configs, noise=noise,
                      running=running)  # fmt: skip
    atomic_write_text(index, page)
    return index


def _write_if_changed(path: Path, text: str) -> None:
    """Replace `path` atomically, unless it already holds `text` (a finished run's page
    stays the same at every live refresh)."""
    try:
        if path.read_text(encoding="utf-8") == text:
            return
    except OSError:
        pass
    atomic_write_text(path, text)


# --- The per-run history plot ----------------------------------------------------------------

_EPOCH_CAPTION = (
    "Per epoch: loss and accuracy on the validation set (solid) and on a fixed subset of the "
    "training samples (dashed), both scored in eval mode at the end of the epoch; the star "
    "marks the epoch whose weights the run kept."
)
_BATCH_CAPTION = (
    "Per batch: the training loss, smoothed (an exponential moving average, dashed) over the "
    "faint loss of each batch, and the loss on a fixed subset of {val_size} validation "
    "samples scored after it (solid). Drawn per batch because the run trained fewer than 3 "
    "epochs."
)
_TRAIN_BATCH_CAPTION = (
    "Per batch: the training loss, smoothed (dashed) over the faint loss of each batch. The "
    "run was not monitored, so there is no per-batch validation loss; drawn per batch "
    "because it trained fewer than 3 epochs."
)


def _history_plot(view: RunView, report: Path) -> tuple[str, str] | None:
    """(address from the run page, caption) of the run's curves, redrawn only when its
    files are newer than the plot; None when the run has not finished or has nothing to plot.

    Per-epoch curves from history.csv when the run has enough epochs, else the
    per-batch losses of its record (or of batches.csv without a record).
    """
    if view.directory is None or not view.finished:
        return None
    directory = view.directory
    target = report / HISTORY_DIR / f"{view.name}.png"
    try:
        history = pd.read_csv(directory / rundir.HISTORY_FILE)
        if len(history) >= EPOCH_CURVES_MIN:
            caption = _EPOCH_CAPTION
        elif (directory / JSON_NAME).is_file():  # batch_losses reads the record
            caption = _BATCH_CAPTION.format(val_size=view.setting("monitor", "val_size", "the"))
        else:
            caption = _TRAIN_BATCH_CAPTION
        if not _is_current(target, directory):
            fig = _history_figure(view, history)
            if fig is None:
                return None
            save_figure(fig, target)
    except READ_ERRORS:  # e.g. the run is being redone: its directory was just emptied
        return None
    return "../" + href(HISTORY_DIR, target.name), caption


def _is_current(target: Path, directory: Path) -> bool:
    """The plot exists and is newer than every file it is drawn from."""
    names = (rundir.HISTORY_FILE, rundir.BATCHES_FILE, *rundir.RECORD_FILES)
    sources = [directory / name for name in names if (directory / name).is_file()]
    return target.is_file() and target.stat().st_mtime >= max(p.stat().st_mtime for p in sources)


def _history_figure(view: RunView, history: pd.DataFrame) -> Figure | None:
    if len(history) >= EPOCH_CURVES_MIN:
        kept = (view.meta or {}).get("metrics", {}).get("kept_epoch")
        star = int(kept) if kept in set(history["epoch"]) else None
        return history_grid({view.name: history}, 1, 1, star_epoch=star)
    batches = batch_losses(view.directory)
    if batches is None or batches.empty:
        return None
    return history_grid({view.name: batches}, 1, 1, x="step", panels=BATCH_PANELS)
