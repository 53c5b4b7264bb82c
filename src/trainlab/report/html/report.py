"""A browsable HTML report of a study, built from its output directory.

OUT/report/index.html          the answer (best configuration, what matters, questions,
                               diagnoses), runs in flight, the curves of chosen runs and
                               configurations, tables, figures, glossary
OUT/report/compare.html        two runs side by side at the same step
OUT/report/runs/<run>.html     one page per run: state, error, diagnoses, metrics,
                               curves, the player, dashboard, movie, config and its files
OUT/report/data/, assets/, figures/, files/   what the pages load and show
                               (`rundata`, `portable`)

Every link and image path is relative and the folder holds everything its pages show,
so OUT/report alone can be zipped, shared and opened from disk with no server and no
network. `trainlab run --html` calls `write_html_report` every few seconds while the
study runs (finished runs appear as they finish, the pages reload themselves) and once
more at the end; a finished run's data and copies are written once and then kept. This
module writes the files; the other modules of this package build pages and data.
"""

from __future__ import annotations

from pathlib import Path

from trainlab.atomic import atomic_write_text
from trainlab.errors import TrainlabError
from trainlab.report.analysis import StudyAnalysis, analyze_study
from trainlab.report.html.explore import as_script, study_data
from trainlab.report.html.figures import copy_study_figures
from trainlab.report.html.index import index_page
from trainlab.report.html.portable import copy_assets, copy_if_changed
from trainlab.report.html.render import render_page
from trainlab.report.html.run_page import Neighbours, run_page
from trainlab.report.html.rundata import RunData, write_run_data
from trainlab.report.html.runs import RUN_PAGES_DIR, RunView, read_runs
from trainlab.report.html.tables import seed_noise
from trainlab.report.results import configurations
from trainlab.study import studydir

REPORT_DIR = studydir.REPORT_DIR
INDEX_FILE = "index.html"
COMPARE_FILE = "compare.html"
# The study's tables and findings, copied beside the index for its links.
COPIED = (studydir.RESULTS_FILE, studydir.CONFIGS_FILE, studydir.FINDINGS_FILE)
# What reading a run directory that is being redone (emptied, rewritten) can raise.
READ_ERRORS = (OSError, ValueError, TrainlabError)


def write_html_report(out: str | Path, analysis: StudyAnalysis | None = None) -> Path:
    """Write ``OUT/report/index.html``, the compare page and one page per started run;
    return the index path. `analysis`: the study's (`analyze_study`) when the caller has
    just made it, else it is made here from what is on disk.

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
    analysis = analysis if analysis is not None else analyze_study(out)
    configs = configurations(analysis.table, axes)
    noise = seed_noise(configs)
    report = out / REPORT_DIR
    copy_assets(report)
    copy_study_figures(out, report)
    for name in COPIED:
        if (out / name).is_file():
            copy_if_changed(out / name, report / name)
    data = {v.name: _run_data(v, report) for v in views if v.finished}
    points = _points(views)
    with_curves: dict[str, list[str]] = {}  # configuration -> its runs with curves
    for v in views:
        if data.get(v.name) and data[v.name].curves:
            with_curves.setdefault(points[v.name], []).append(v.name)
    started = [v for v in views if v.directory is not None]
    for i, view in enumerate(started):
        neighbours = Neighbours(
            started[i - 1].name if i else None,
            started[i + 1].name if i + 1 < len(started) else None,
        )
        point = points.get(view.name, "")
        page = run_page(
            view, study_name=str(study.get("name", "")), neighbours=neighbours,
            data=data.get(view.name, RunData()), mates=with_curves.get(point, []),
            point=point, noise=noise,
            running=running, report=report,
        )  # fmt: skip
        _write_if_changed(report / RUN_PAGES_DIR / f"{view.name}.html", page)
    ranking = _ranking(analysis)
    _write_if_changed(report / COMPARE_FILE, _compare_page(study, views, ranking, data, analysis))
    index = report / INDEX_FILE
    page = index_page(
        out, study, analysis, views, configs=configs, noise=noise, running=running,
        page_data=study_data(views, ranking, data, metric=analysis.metric),
    )  # fmt: skip
    atomic_write_text(index, page)
    return index


def _run_data(view: RunView, report: Path) -> RunData:
    """The run's data files, written when missing or older than the run's files."""
    try:
        return write_run_data(view.directory, view.name, report)
    except READ_ERRORS:  # e.g. the run is being redone: its directory was just emptied
        return RunData()


def _points(views: list[RunView]) -> dict[str, str]:
    """Run -> its configuration (grid point), from run.json or config.json."""
    return {v.name: str((v.meta or v.config).get("point", v.name)) for v in views}


def _ranking(analysis: StudyAnalysis) -> list[str]:
    """The configurations best first, as the study's ranking rule orders them."""
    if analysis.best is not None:
        return [str(p) for p in analysis.best.table["point"]]
    return [str(p) for p in dict.fromkeys(analysis.table["point"].dropna())]


def _compare_page(study: dict, views: list[RunView], ranking: list[str], data, analysis) -> str:
    name = str(study.get("name") or "study")
    return render_page(
        "compare.html", title=f"{name}: compare two runs", root="", refresh=None,
        study_name=name,
        page_data=as_script(study_data(views, ranking, data, metric=analysis.metric,
                                       with_metrics=True)),
    )  # fmt: skip


def _write_if_changed(path: Path, text: str) -> None:
    """Replace `path` atomically, unless it already holds `text` (a finished run's page
    stays the same at every live refresh)."""
    try:
        if path.read_text(encoding="utf-8") == text:
            return
    except OSError:
        pass
    atomic_write_text(path, text)
