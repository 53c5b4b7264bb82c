"""A browsable HTML report of a study, built from its output directory.

OUT/report/index.html          results table (click a header to sort), findings, figures
OUT/report/runs/<run>.html     one page per run: error, metrics, dashboard, curves, movie,
                               config and links to the run's files
OUT/report/history/<run>.png   the run's loss and accuracy curves

Every link and image path is relative and every page embeds its CSS and script,
so the OUT folder can be zipped, shared and opened from disk with no server and
no network. Call after `write_report`, which writes the findings and figures.
"""

from __future__ import annotations

import functools
import html
import json
import math
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd

import trainlab
from trainlab.atomic import atomic_write_text, save_figure
from trainlab.sweep import rundir
from trainlab.sweep.report import batch_losses
from trainlab.sweep.results import METRIC_COLUMNS, collect_results
from trainlab.viz import history_grid

REPORT_DIR = "report"
INDEX_FILE = "index.html"
RUN_PAGES_DIR = "runs"
HISTORY_DIR = "history"
ERROR_FILE = "error.txt"  # the traceback a failed run leaves beside its run.json
MOVIE_FILES = ("movie.gif", "movie.mp4")
ASSETS = Path(__file__).with_name("html_assets")
NUMERIC_COLUMNS = (*METRIC_COLUMNS, "seconds")
EPOCH_CURVES_MIN = 3  # fewer epochs than this: plot per-batch losses instead (as report.py)
BATCH_PANELS = (("loss per batch", ("train_loss", "val_loss")),)
# Captions of the figures report.py writes; shown effects first, lc_<axis>.png next (captioned
# by axis), the history grid last and full width.
FIGURE_CAPTIONS = {
    "effects.png": "Final validation loss per level of each axis (mean and spread over the "
    "other axes).",
    "history_grid.png": "Loss and accuracy curves of the best runs.",
}


def write_html_report(out: str | Path) -> Path:
    """Write ``OUT/report/index.html`` and one page per run; return the index path.

    Raises:
        RecordError: `out` has no ``study.json``.
    """
    out = Path(out)
    study = rundir.read_study(out)
    axes = list(study.get("axes", {}))
    table = collect_results(out, axes)
    names = list(table["run"]) if "run" in table.columns else []
    report = out / REPORT_DIR
    for i, name in enumerate(names):
        neighbours = (names[i - 1] if i else None, names[i + 1] if i + 1 < len(names) else None)
        history_png = _history_plot(rundir.run_dir(out, name), report / HISTORY_DIR / f"{name}.png")
        page = _run_page(
            out, name, has_history=history_png is not None, neighbours=neighbours,
            study=study.get("name", ""),
        )  # fmt: skip
        atomic_write_text(report / RUN_PAGES_DIR / f"{name}.html", page)
    index = report / INDEX_FILE
    atomic_write_text(index, _index_page(out, study, table, axes))
    return index


def markdown_to_html(text: str, *, heading_offset: int = 0) -> str:
    """Convert the Markdown of findings files to HTML.

    Handles ATX headings, paragraphs, bulleted and numbered lists, pipe tables,
    ``**bold**``, ``*emphasis*`` and ``code`` spans; everything else is escaped text.
    `heading_offset` demotes headings (1: ``#`` becomes ``<h2>``).
    """
    lines = text.splitlines()
    parts: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
        elif heading := _HEADING.match(line):
            level = min(len(heading[1]) + heading_offset, 6)
            parts.append(f"<h{level}>{_inline(heading[2])}</h{level}>")
            i += 1
        elif _is_table_start(lines, i):
            end = _block_end(lines, i + 2, lambda s: bool(_TABLE_ROW.match(s)))
            parts.append(_md_table(lines[i], lines[i + 2 : end]))
            i = end
        elif item := (_BULLET.match(line) or _NUMBERED.match(line)):
            pattern = item.re
            tag = "ul" if pattern is _BULLET else "ol"
            end = _block_end(lines, i, lambda s, p=pattern: bool(p.match(s) or s.startswith(" ")))
            items: list[str] = []
            for entry in lines[i:end]:
                match = pattern.match(entry)
                if match:
                    items.append(match[1])
                else:  # an indented continuation of the previous item
                    items[-1] += " " + entry.strip()
            body = "".join(f"<li>{_inline(x)}</li>" for x in items)
            parts.append(f"<{tag}>{body}</{tag}>")
            i = end
        else:
            end = _block_end(lines, i + 1, lambda s: not _starts_block(s))
            parts.append(f"<p>{_inline(' '.join(s.strip() for s in lines[i:end]))}</p>")
            i = end
    return "\n".join(parts)


# --- Markdown helpers -----------------------------------------------------------------------

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^\d+[.)]\s+(.*)$")
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_TABLE_RULE = re.compile(r"^\s*\|(\s*:?-+:?\s*\|)+\s*$")
_CODE_SPAN = re.compile(r"(`[^`]+`)")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_EMPHASIS = re.compile(r"(?<![*\w])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![*\w])")


def _inline(text: str) -> str:
    pieces = []
    for piece in _CODE_SPAN.split(text):
        if piece.startswith("`") and piece.endswith("`") and len(piece) > 1:
            pieces.append(f"<code>{html.escape(piece[1:-1])}</code>")
        else:
            escaped = _BOLD.sub(r"<strong>\1</strong>", html.escape(piece, quote=False))
            pieces.append(_EMPHASIS.sub(r"<em>\1</em>", escaped))
    return "".join(pieces)


def _is_table_start(lines: list[str], i: int) -> bool:
    return (
        bool(_TABLE_ROW.match(lines[i]))
        and i + 1 < len(lines)
        and bool(_TABLE_RULE.match(lines[i + 1]))
    )


def _starts_block(line: str) -> bool:
    return not line.strip() or any(
        p.match(line) for p in (_HEADING, _BULLET, _NUMBERED, _TABLE_ROW)
    )


def _block_end(lines: list[str], start: int, belongs) -> int:
    """Index of the first line from `start` that is blank or not `belongs` to the block."""
    end = start
    while end < len(lines) and lines[end].strip() and belongs(lines[end]):
        end += 1
    return end


def _md_cells(row: str) -> list[str]:
    return [cell.strip() for cell in row.strip().strip("|").split("|")]


def _md_table(header: str, rows: list[str]) -> str:
    head = "".join(f"<th>{_inline(c)}</th>" for c in _md_cells(header))
    body = "".join("<tr>" + "".join(_md_cell(c) for c in _md_cells(row)) + "</tr>" for row in rows)
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    return f'<div class="scroll">{table}</div>'


def _md_cell(cell: str) -> str:
    return (
        f'<td class="num">{_inline(cell)}</td>' if _is_number(cell) else f"<td>{_inline(cell)}</td>"
    )


# --- Pages ----------------------------------------------------------------------------------


def _index_page(out: Path, study: dict[str, Any], table: pd.DataFrame, axes: list[str]) -> str:
    name = str(study.get("name") or out.name)
    counts = table["status"].value_counts() if "status" in table.columns else pd.Series(dtype=int)
    summary = ", ".join(
        f'<span class="status status-{_esc(s)}">{n} {_esc(s)}</span>' for s, n in counts.items()
    )
    body = [
        '<nav><a href="#results">Results</a><a href="#findings">Findings</a>'
        '<a href="#figures">Figures</a></nav>',
        f"<h1>{_esc(name)}</h1>",
    ]
    if study.get("description"):
        body.append(f'<p class="lead">{_esc(str(study["description"]).strip())}</p>')
    body.append(f'<p class="counts">{len(table)} runs: {summary or "none yet"}. '
                f'Axes: {_esc(", ".join(axes)) or "none"}.</p>')  # fmt: skip
    body += ['<section id="results"><h2>Results</h2>', _results_table(table, axes), "</section>"]
    findings = out / rundir.FINDINGS_FILE
    if findings.is_file():
        text = findings.read_text(encoding="utf-8")
        body.append(f'<section id="findings" class="findings">'
                    f"{markdown_to_html(text, heading_offset=1)}</section>")  # fmt: skip
    body += ['<section id="figures"><h2>Figures</h2>', _figures(out), "</section>"]
    return _page(f"{name}: study report", "\n".join(body), script=True)


def _results_table(table: pd.DataFrame, axes: list[str]) -> str:
    if table.empty:
        return "<p>No runs yet.</p>"
    columns = [c for c in table.columns if c != "error" and table[c].notna().any()]
    numeric = {c for c in columns if c in NUMERIC_COLUMNS or (c in axes and _numeric(table[c]))}
    head = "".join(
        f'<th scope="col" data-type="{"number" if c in numeric else "text"}"'
        f'{" class=num" if c in numeric else ""}><button type="button">'
        f"{_esc(c).replace('_', '_<wbr>')}</button></th>"
        for c in columns
    )
    rows = []
    for record in table.to_dict("records"):
        cells = []
        for c in columns:
            value = record[c]
            if c == "run":
                href = _href(RUN_PAGES_DIR, f"{value}.html")
                cells.append(f'<td class="run"><a href="{href}">{_esc(value)}</a></td>')
            elif c == "status":
                error = record.get("error")
                title = f' title="{_esc(error)}"' if isinstance(error, str) and error else ""
                cells.append(f'<td><span class="status status-{_esc(value)}"{title}>'
                             f"{_esc(value)}</span></td>")  # fmt: skip
            elif c in numeric:
                shown = _format_number(value) if c not in axes or _missing(value) else _esc(value)
                cells.append(f'<td class="num" data-value="{_sort_value(value)}">{shown}</td>')
            else:
                cells.append(f"<td>{'' if _missing(value) else _esc(value)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (
        '<div class="scroll"><table class="sortable" id="results-table">'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def _figures(out: Path) -> str:
    directory = out / rundir.FIGURES_DIR
    files = sorted(directory.glob("*.png")) if directory.is_dir() else []
    files.sort(key=lambda p: (p.name != "effects.png", p.name == "history_grid.png", p.name))
    if not files:
        return "<p>No figures: no run finished with a validation loss.</p>"
    items = []
    for path in files:
        caption = FIGURE_CAPTIONS.get(path.name)
        if caption is None and path.name.startswith("lc_"):
            caption = f"Final metrics against {path.stem.removeprefix('lc_')}."
        wide = ' class="wide"' if path.name == "history_grid.png" else ""
        src = _href("..", rundir.FIGURES_DIR, path.name)
        items.append(f'<figure{wide}><img src="{src}" alt="{_esc(path.stem)}">'
                     f"<figcaption>{_esc(caption or path.name)}</figcaption></figure>")  # fmt: skip
    return '<div class="figures">' + "".join(items) + "</div>"


def _run_page(
    out: Path,
    name: str,
    *,
    has_history: bool,
    neighbours: tuple[str | None, str | None],
    study: str,
) -> str:
    directory = rundir.run_dir(out, name)
    meta = rundir.read_meta(directory)
    config_path = directory / rundir.CONFIG_FILE
    config = rundir.read_json(config_path) if config_path.is_file() else {}
    status = meta["status"] if meta else "unfinished"
    run_files = "../../" + _href(rundir.RUNS_DIR, name)  # this page is OUT/report/runs/<run>.html
    nav = [f'<a href="../{INDEX_FILE}">&larr; {_esc(study or "study")}</a>']
    for label, other in zip(("previous", "next"), neighbours, strict=True):
        if other is not None:
            nav.append(f'<a href="{_href(f"{other}.html")}">{label}: {_esc(other)}</a>')
    body = [f"<nav>{''.join(nav)}</nav>", f"<h1>{_esc(name)}</h1>"]
    varied = (meta or config).get("varied", {})
    levels = ", ".join(f"{_esc(k)} = <strong>{_esc(v)}</strong>" for k, v in varied.items())
    seconds = f" in {meta['seconds']:.1f} s" if meta and meta.get("seconds") is not None else ""
    body.append(f'<p class="counts"><span class="status status-{_esc(status)}">{_esc(status)}'
                f"</span>{seconds}{'. ' + levels if levels else ''}</p>")  # fmt: skip
    if meta is None:
        body.append("<p>This run has not finished: its directory has no run.json.</p>")
    if meta and meta.get("error"):
        trace = directory / ERROR_FILE
        detail = trace.read_text(encoding="utf-8") if trace.is_file() else ""
        body.append(f'<h2>Error</h2><pre class="error">{_esc(meta["error"])}</pre>')
        if detail:
            body.append(f"<details><summary>Traceback</summary><pre>{_esc(detail)}</pre></details>")
    if meta and (meta.get("metrics") or meta.get("timings")):
        body.append(_metrics_tables(meta))
    figures = []
    if has_history:
        src = "../" + _href(HISTORY_DIR, f"{name}.png")
        figures.append(_figure(src, "Learning curves (per epoch, or per batch for short runs)."))
    if (directory / rundir.DASHBOARD_FILE).is_file():
        src = f"{run_files}/{rundir.DASHBOARD_FILE}"
        caption = "Dashboard: losses and per-layer weight and activation distributions per batch."
        figures.append(_figure(src, caption, wide=True))
    for movie in MOVIE_FILES:
        if (directory / movie).is_file():
            figures.append(_movie(f"{run_files}/{movie}"))
    if figures:
        body.append('<h2>Figures</h2><div class="figures">' + "".join(figures) + "</div>")
    if config.get("config"):
        body.append(_config_tables(config))
    body.append(_file_links(directory, run_files))
    return _page(f"{name}: {status}", "\n".join(body))


def _metrics_tables(meta: dict[str, Any]) -> str:
    metrics = meta.get("metrics", {})
    rows = "".join(
        f'<tr><th scope="row">{_esc(k)}</th><td class="num">{_format_number(v)}</td></tr>'
        for k, v in metrics.items()
    )
    timings = "".join(
        f'<tr><th scope="row">{_esc(k)}</th><td class="num">{v:.2f} s</td></tr>'
        for k, v in meta.get("timings", {}).items()
    )
    parts = ['<h2>Metrics</h2><div class="columns">']
    if rows:
        parts.append(f"<div><table><tbody>{rows}</tbody></table></div>")
    if timings:
        parts.append(f"<div><h3>Timings</h3><table><tbody>{timings}</tbody></table></div>")
    return "".join(parts) + "</div>"


def _config_tables(config: dict[str, Any]) -> str:
    resolved = config["config"]
    scalars = {k: v for k, v in resolved.items() if not isinstance(v, dict)}
    sections = {"run": scalars} if scalars else {}
    sections.update({k: v for k, v in resolved.items() if isinstance(v, dict)})
    blocks = []
    for section, values in sections.items():
        rows = "".join(
            f'<tr><th scope="row">{_esc(k)}</th><td>{_esc(_config_value(v))}</td></tr>'
            for k, v in values.items()
        )
        blocks.append(f"<div><h3>{_esc(section)}</h3><table><tbody>{rows}</tbody></table></div>")
    version = config.get("trainlab_version", "unknown")
    return (
        f"<h2>Config</h2><p>Resolved configuration (trainlab {_esc(version)}).</p>"
        f'<div class="columns">{"".join(blocks)}</div>'
    )


def _file_links(directory: Path, prefix: str) -> str:
    files = sorted(p for p in directory.iterdir() if p.is_file() and not p.name.startswith("."))
    items = "".join(
        f'<li><a href="{prefix}/{_href(p.name)}">{_esc(p.name)}</a> '
        f"({_size(p.stat().st_size)})</li>"
        for p in files
    )
    return f"<h2>Files</h2><ul>{items}</ul>"


def _figure(src: str, caption: str, *, wide: bool = False) -> str:
    cls = ' class="wide"' if wide else ""
    return (
        f'<figure{cls}><img src="{src}" alt="{_esc(caption)}">'
        f"<figcaption>{_esc(caption)}</figcaption></figure>"
    )


def _movie(src: str) -> str:
    caption = "<figcaption>Training movie: one frame per batch.</figcaption>"
    if src.endswith(".mp4"):
        player = f'<video controls loop muted preload="auto" src="{src}"></video>'
    else:
        player = f'<img src="{src}" alt="training movie">'
    return f'<figure class="wide">{player}{caption}</figure>'


def _page(title: str, body: str, *, script: bool = False) -> str:
    css = _asset("report.css")
    js = _asset("sort_table.js") if script else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_esc(title)}</title>\n<style>\n{css}</style>\n</head>\n<body>\n<main>\n"
        f"{body}\n"
        f"<footer>Written by trainlab {_esc(trainlab.__version__)}.</footer>\n</main>\n"
        + (f"<script>\n{js}</script>\n" if js else "")
        + "</body>\n</html>\n"
    )


@functools.cache
def _asset(name: str) -> str:
    """A file of html_assets/, embedded in every page so each page stands alone."""
    return (ASSETS / name).read_text(encoding="utf-8")


# --- The per-run history plot ---------------------------------------------------------------


def _history_plot(directory: Path, target: Path) -> Path | None:
    """Render the run's curves to `target` unless it is newer than its sources.

    Per-epoch curves from history.csv when the run has enough epochs, else the
    per-batch losses of its record (or of batches.csv without a record). None
    when the run has nothing to plot.
    """
    sources = [directory / f for f in (rundir.HISTORY_FILE, rundir.BATCHES_FILE, "record.npz")]
    sources = [p for p in sources if p.is_file()]
    if not (directory / rundir.HISTORY_FILE).is_file():
        return None
    if target.is_file() and target.stat().st_mtime >= max(p.stat().st_mtime for p in sources):
        return target
    history = pd.read_csv(directory / rundir.HISTORY_FILE)
    if len(history) >= EPOCH_CURVES_MIN:
        fig = history_grid({directory.name: history}, 1, 1, star_epoch="best")
    else:
        batches = batch_losses(directory)
        if batches is None or batches.empty:
            return None
        fig = history_grid({directory.name: batches}, 1, 1, x="step", panels=BATCH_PANELS)
    return save_figure(fig, target)


# --- Small formatting helpers ---------------------------------------------------------------


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _href(*parts: str) -> str:
    """A relative URL from path parts: each part percent-encoded, ``..`` kept."""
    return "/".join(p if p == ".." else quote(p, safe="") for p in parts)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _numeric(column: pd.Series) -> bool:
    present = column.dropna()
    return not present.empty and bool(pd.to_numeric(present, errors="coerce").notna().all())


def _sort_value(value: Any) -> str:
    """The value a numeric column sorts by: full precision, empty when missing."""
    if _missing(value):
        return ""
    number = float(value)
    return repr(number) if math.isfinite(number) else ("Infinity" if number > 0 else "-Infinity")


def _format_number(value: Any) -> str:
    if _missing(value):
        return ""
    number = float(value)
    if number.is_integer() and abs(number) < 1e9:
        return str(int(number))
    return f"{number:.4g}"


def _config_value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)  # TOML-like: false, [1, 2]


def _size(n_bytes: int) -> str:
    if n_bytes < 1024:
        return f"{n_bytes} B"
    if n_bytes < 1024**2:
        return f"{n_bytes / 1024:.1f} KB"
    return f"{n_bytes / 1024**2:.1f} MB"
