"""The HTML report's structure: one row per run, relative links that resolve, escaping."""

from __future__ import annotations

import importlib.util
import math
import os
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pandas as pd
import pytest

from trainlab.errors import RecordError
from trainlab.sweep.executors import LocalExecutor
from trainlab.sweep.html_report import markdown_to_html, write_html_report
from trainlab.sweep.runner import run_study
from trainlab.sweep.spec import load_spec

MOVIE_FORMAT = "mp4" if importlib.util.find_spec("imageio_ffmpeg") else "gif"

# Grid runs have `=` and `.` in their names, an extra has `+`; one run trains 3 epochs
# (per-epoch curves), one fails (a 40x40 kernel on 28x28 images).
SPEC = """
name = "html <&> report"
description = "Runs of every kind."
[data]
name = "fashion-mnist"
root = "{root}"
val_size = 200
[model]
hidden = [16]
[train]
max_steps = 4
[monitor]
val_size = 64
[output]
movie = true
fps = 5
[grid]
"optim.lr" = [0.01, 0.001]

[[extra]]
name = "mp4+three.epochs"
[extra.set]
"train.epochs" = 3
"train.max_steps" = 0
"data.train_size" = 64
"output.movie_format" = "{movie_format}"

[[extra]]
name = "cnn-kernel-40"
set = {{ "model.kind" = "cnn", "model.kernel_sizes" = [40, 3] }}
"""


class _Links(HTMLParser):
    """Every tag with its attributes, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))


def _tags(path: Path) -> list[tuple[str, dict[str, str]]]:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.tags


def _targets(path: Path) -> list[str]:
    return [a[k] for _, a in _tags(path) for k in ("href", "src") if k in a]


@pytest.fixture(scope="module")
def study(tmp_path_factory, data_root) -> Path:
    """A reported 4-run study plus one unfinished run directory; returns OUT."""
    spec = tmp_path_factory.mktemp("spec") / "html.toml"
    spec.write_text(SPEC.format(root=data_root, movie_format=MOVIE_FORMAT))
    out = tmp_path_factory.mktemp("study")
    run_study(load_spec(spec), out, executor=LocalExecutor(1), progress=False)
    (out / "runs" / "lr=0.1_unfinished").mkdir()  # killed before writing run.json
    write_html_report(out)
    return out


def test_index_has_one_row_per_run_linking_to_its_page(study):
    runs = sorted(p.name for p in (study / "runs").iterdir())
    text = (study / "report" / "index.html").read_text(encoding="utf-8")
    table = text.split('id="results-table"')[1].split("</table>")[0]
    links = re.findall(r'<td class="run"><a href="([^"]+)">', table)
    assert len(runs) == 5
    assert table.count("<tr>") == 1 + len(runs)  # the header row, then one row per run
    assert sorted(unquote(h).removeprefix("runs/").removesuffix(".html") for h in links) == runs
    for run in runs:
        assert (study / "report" / "runs" / f"{run}.html").is_file()


def test_every_link_and_image_is_relative_and_resolves(study):
    pages = sorted((study / "report").rglob("*.html"))
    assert len(pages) == 1 + 5
    checked = 0
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"(https?:)?//[a-z]", text.replace("file://", "")), page.name
        for target in _targets(page):
            parts = urlsplit(target)
            assert not parts.scheme and not parts.netloc and not target.startswith("/"), target
            if not parts.path:  # an in-page anchor
                continue
            resolved = (page.parent / unquote(parts.path)).resolve()
            assert resolved.is_file(), f"{page.name}: {target} -> {resolved}"
            assert study.resolve() in resolved.parents
            checked += 1
    assert checked > 30


def test_run_names_are_percent_encoded_in_urls_and_escaped_in_html(study):
    index = (study / "report" / "index.html").read_text(encoding="utf-8")
    assert 'href="runs/lr%3D0.01.html"' in index
    assert 'href="runs/mp4%2Bthree.epochs.html"' in index
    assert "html &lt;&amp;&gt; report" in index and "html <&> report" not in index
    page = (study / "report" / "runs" / "lr=0.01.html").read_text(encoding="utf-8")
    assert 'src="../../runs/lr%3D0.01/dashboard.png"' in page
    assert 'src="../history/lr%3D0.01.png"' in page


def test_table_cells_carry_the_exact_results_for_numeric_sorting(study):
    results = pd.read_csv(study / "results.csv").set_index("run")
    tags = _tags(study / "report" / "index.html")
    headers = []
    for tag, attrs in tags:
        if tag == "th" and "data-type" in attrs:
            headers.append(attrs["data-type"])
    assert headers[0] == "text" and "number" in headers
    values = [a["data-value"] for t, a in tags if t == "td" and "data-value" in a]
    expected = results["final_val_loss"].dropna()
    for value in expected:
        assert repr(float(value)) in values
    assert all(v == "" or math.isfinite(float(v)) or v.endswith("Infinity") for v in values)


def test_movies_embed_as_img_for_gif_and_video_for_mp4(study):
    gif_page = study / "report" / "runs" / "lr=0.001.html"
    assert ("img", "../../runs/lr%3D0.001/movie.gif") in [
        (t, a.get("src")) for t, a in _tags(gif_page)
    ]
    tags = _tags(study / "report" / "runs" / "mp4+three.epochs.html")
    if MOVIE_FORMAT == "mp4":
        video = next(a for t, a in tags if t == "video")
        assert "controls" in video and video["src"].endswith("/movie.mp4")
    assert any(a.get("src") == "../history/mp4%2Bthree.epochs.png" for _, a in tags)


def test_failed_run_page_shows_its_error_and_unfinished_run_says_so(study):
    failed = (study / "report" / "runs" / "cnn-kernel-40.html").read_text(encoding="utf-8")
    assert "status-failed" in failed
    assert "Kernel size can&#x27;t be greater than actual input size" in failed
    assert "Traceback" in failed and "<img" not in failed
    unfinished = (study / "report" / "runs" / "lr=0.1_unfinished.html").read_text(encoding="utf-8")
    assert "has not finished" in unfinished


def test_findings_are_rendered_as_html(study):
    findings = (study / "findings.md").read_text(encoding="utf-8")
    index = (study / "report" / "index.html").read_text(encoding="utf-8")
    n_sections = sum(line.startswith("## ") for line in findings.splitlines())
    assert index.count("<h3>") == n_sections
    assert "<strong>" in index and "**" not in index
    assert '<td class="num">' in index  # the factor-effects table


def test_rerun_redraws_only_history_plots_older_than_their_run(study):
    plots = study / "report" / "history"
    outdated, current = plots / "lr=0.01.png", plots / "lr=0.001.png"
    os.utime(outdated, (1, 1))  # now older than the run's history.csv
    kept = current.stat().st_mtime_ns
    write_html_report(study)
    assert outdated.stat().st_mtime > 1
    assert current.stat().st_mtime_ns == kept


def test_a_directory_without_study_json_is_refused(tmp_path):
    with pytest.raises(RecordError, match="study.json"):
        write_html_report(tmp_path)


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("# Title\n\ntext", "<h1>Title</h1>\n<p>text</p>"),
        ("## A\nline one\nline two", "<h2>A</h2>\n<p>line one line two</p>"),
        ("**run=a_b_c**: 1.0", "<p><strong>run=a_b_c</strong>: 1.0</p>"),
        ("a *b* c", "<p>a <em>b</em> c</p>"),
        ("x_y_z and 2 * 3 * 4", "<p>x_y_z and 2 * 3 * 4</p>"),
        ("`a<b>`", "<p><code>a&lt;b&gt;</code></p>"),
        ("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
        ("- one\n- **two**\n  more", "<ul><li>one</li><li><strong>two</strong> more</li></ul>"),
        ("1. first\n2. second", "<ol><li>first</li><li>second</li></ol>"),
        (
            "| a | b |\n|---|---|\n| x | 1.5 |",
            '<div class="scroll"><table><thead><tr><th>a</th><th>b</th></tr></thead>'
            '<tbody><tr><td>x</td><td class="num">1.5</td></tr></tbody></table></div>',
        ),
        ("text\n# Head", "<p>text</p>\n<h1>Head</h1>"),
        ("| not a table |", "<p>| not a table |</p>"),
    ],
)
def test_markdown_to_html(markdown, expected):
    assert markdown_to_html(markdown) == expected


def test_markdown_heading_offset_demotes_and_caps_at_h6():
    assert markdown_to_html("# a\n###### b", heading_offset=1) == "<h2>a</h2>\n<h6>b</h6>"
