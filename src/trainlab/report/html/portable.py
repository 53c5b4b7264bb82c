"""What makes OUT/report/ stand alone: copies of everything its pages show or load.

    OUT/report/assets/          uPlot (vendored, with its licence), the report's scripts
    OUT/report/figures/         the study figures (OUT/figures/)
    OUT/report/files/<run>/     each run's pictures: dashboard, movie, test predictions,
                                the figures behind its diagnoses
    OUT/report/results.csv, configs.csv, findings.md

So the report folder alone can be zipped, sent and opened from disk, offline: no page
points outside it except the Files list of a run page, which names the run directory's
own files (weights, record) in the study folder. A copy is redone only when its source
is newer or differs in size, so a live refresh copies nothing that did not change.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from trainlab.atomic import atomic_path
from trainlab.report.html.render import ASSETS, SCRIPTS, href

ASSETS_DIR = "assets"
FIGURES_DIR = "figures"
FILES_DIR = "files"  # OUT/report/files/<run>/
# The chart library, vendored from its npm package (uplot 1.6.32, MIT): one minified
# script and its stylesheet, 53 KB, with its licence; our own scripts draw on it.
VENDORED = ("uPlot.iife.min.js", "uPlot.min.css", "uPlot.LICENSE")


def copy_assets(report: Path) -> None:
    """The vendored chart library and the pages' scripts, into OUT/report/assets/ (a
    script an older version left there is removed)."""
    names = (*VENDORED, *SCRIPTS)
    for name in names:
        copy_if_changed(ASSETS / name, report / ASSETS_DIR / name)
    for path in (report / ASSETS_DIR).iterdir():
        if path.name not in names and path.suffix in (".js", ".css") and path.is_file():
            path.unlink(missing_ok=True)


def copy_if_changed(source: Path, target: Path) -> bool:
    """Copy `source` to `target` (atomically) unless `target` is as new and as large;
    return whether it copied."""
    stat = source.stat()
    try:
        have = target.stat()
        if have.st_size == stat.st_size and have.st_mtime >= stat.st_mtime:
            return False
    except OSError:
        pass
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(target) as temporary:
        shutil.copy2(source, temporary)
    return True


def file_href(run: str, relative: str, *, depth: int = 1) -> str:
    """The address of a copied run file from a page `depth` folders below OUT/report."""
    return href(*([".."] * depth), FILES_DIR, run, *Path(relative).parts)


def copy_run_file(directory: Path, run: str, relative: str, report: Path) -> bool:
    """Copy a file of run `run`'s directory into OUT/report/files/<run>/; False when the
    run has no such file (it may be being rewritten)."""
    source = directory / relative
    try:
        copy_if_changed(source, report / FILES_DIR / run / relative)
    except OSError:
        return False
    return True
