"""The HTML report's structure: the answer first, one row per run, relative links that
resolve, captioned figures, escaping, run pages per run state, and a study in flight."""

from __future__ import annotations

import importlib.util
import json
import math
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pandas as pd
import pytest

from trainlab.errors import RecordError
from trainlab.report import write_report
from trainlab.report.html import format as html_format
from trainlab.report.html import write_html_report
from trainlab.report.html.render import markdown_to_html
from trainlab.run import rundir
from trainlab.run.metrics import METRICS
from trainlab.study import LocalExecutor, studydir
from trainlab.study.runner import run_study
from trainlab.study.spec import load_spec

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
[model.mlp]
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
set = {{ "model.kind" = "cnn", "model.cnn.kernel_sizes" = [40, 3] }}
"""
DIAGNOSES = [
    {"name": "dead_units", "severity": "warning", "layer": "hidden1.act", "steps": [2, 4],
     "explanation": "Most <units> output zero.",
     "suggestion": "Lower the learning rate.", "figure": "dashboard.png"},
    {"name": "loss_plateau", "severity": "info", "explanation": "The loss stopped falling.",
     "suggestion": "Train longer.", "figure": "../lr=0.001/dashboard.png"},  # outside: not shown
]  # fmt: skip
# As trainlab.diagnose.Diagnosis.to_dict writes one: steps as a pair, evidence, changes.
DETECTED = {
    "name": "exploding_gradients", "severity": "error", "layer": None, "steps": [3, 4],
    "evidence": [{"quantity": "gradient norm growth", "value": 123.456, "comparison": ">",
                  "threshold": 10.0, "source": "rule of thumb"},
                 {"quantity": "loss", "value": "nan", "comparison": ">", "threshold": 1e6,
                  "source": "overflow"}],
    "explanation": "The gradients grew tenfold per step.", "suggestion": "Lower the lr.",
    "changes": {"optim.lr": 0.001},
}  # fmt: skip


class _Tags(HTMLParser):
    """Every start tag with its attributes and the open tags around it, in document order;
    the text of each figcaption."""

    VOID = {"meta", "img", "br", "input", "link", "hr", "source", "wbr"}

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str], tuple[str, ...]]] = []
        self.captions: list[str] = []
        self._open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}, tuple(self._open)))
        if tag == "figcaption":
            self.captions.append("")
        if tag not in self.VOID:
            self._open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._open:
            del self._open[len(self._open) - 1 - self._open[::-1].index(tag) :]

    def handle_data(self, data: str) -> None:
        if "figcaption" in self._open:
            self.captions[-1] += data


def _parse(path: Path) -> _Tags:
    parser = _Tags()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def _tags(path: Path) -> list[tuple[str, dict[str, str]]]:
    return [(tag, attrs) for tag, attrs, _ in _parse(path).tags]


def _targets(path: Path) -> list[str]:
    return [a[k] for _, a in _tags(path) for k in ("href", "src") if k in a]


def _text(out: Path, *parts: str) -> str:
    return (out / "report").joinpath(*parts).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def study(tmp_path_factory, data_root) -> Path:
    """A reported 4-run study plus one unfinished run directory; returns OUT."""
    spec = tmp_path_factory.mktemp("spec") / "html.toml"
    spec.write_text(SPEC.format(root=data_root, movie_format=MOVIE_FORMAT))
    out = tmp_path_factory.mktemp("study")
    run_study(load_spec(spec), out, executor=LocalExecutor(1), progress=False)
    write_report(out)
    (out / "runs" / "lr=0.1_unfinished").mkdir()  # killed before writing run.json
    write_html_report(out)
    return out


@pytest.fixture
def copy(study, tmp_path) -> Path:
    """A copy of the study to change (its report already written)."""
    return Path(shutil.copytree(study, tmp_path / "study"))


def _edit_meta(out: Path, run: str, **fields) -> None:
    path = rundir.run_dir(out, run) / rundir.META_FILE
    rundir.write_json(path, {**rundir.read_json(path), **fields})


# --- The index -------------------------------------------------------------------------------


def test_index_has_one_row_per_run_linking_to_its_page(study):
    runs = sorted(p.name for p in (study / "runs").iterdir())
    text = _text(study, "index.html")
    headers = re.findall(r'<button type="button">([^<]*)</button>', text)
    assert "diagnoses (extra)" not in headers and "dataset" not in headers  # once; varies
    table = text.split('id="results-table"')[1].split("</table>")[0]
    links = re.findall(r'<td class="run"><a href="([^"]+)">', table)
    assert len(runs) == 5
    assert len(re.findall(r"<tr[ >]", table)) == 1 + len(runs)  # the header, then one per run
    assert sorted(unquote(h).removeprefix("runs/").removesuffix(".html") for h in links) == runs
    for run in runs:
        assert (study / "report" / "runs" / f"{run}.html").is_file()


def test_index_opens_with_the_answer_then_tables_figures_and_glossary(study):
    text = _text(study, "index.html")
    order = [text.index(f'id="{s}"') for s in ("answer", "configs", "results", "figures",
                                               "glossary")]  # fmt: skip
    assert order == sorted(order)
    answer = text.split('id="answer"')[1].split("</section>")[0]
    best = pd.read_csv(study / "configs.csv").sort_values("val_loss_mean")["point"].iloc[0]
    assert "Best configuration" in answer and f"<strong>{best}</strong>" in answer
    assert "What matters" in answer and "lr" in answer
    # 1 seed per configuration: nothing can be told from noise, and the page says so
    assert "nothing can be separated from seed noise" in answer
    assert "Runs that went wrong" in answer and "cnn-kernel-40" in answer
    assert "No run has reported a diagnosis" in answer


def test_the_best_rows_are_highlighted_and_ranked_first(study):
    text = _text(study, "index.html")
    results = pd.read_csv(study / "results.csv")
    for table_id, first in (("configs-table", results["point"].iloc[0]),
                            ("results-table", results["run"].iloc[0])):  # fmt: skip
        body = text.split(f'id="{table_id}"')[1].split("<tbody>")[1].split("</tbody>")[0]
        rows = re.findall(r"<tr([^>]*)>(.*?)</tr>", body, flags=re.S)
        assert 'class="best"' in rows[0][0] and first in rows[0][1]
        assert sum('class="best"' in attrs for attrs, _ in rows) == 1


def test_headers_are_words_with_a_tooltip_and_a_glossary_entry(study):
    tags = _tags(study / "report" / "index.html")
    headers = [a for t, a in tags if t == "th" and "data-type" in a]
    assert headers and all(a.get("title") for a in headers)
    text = _text(study, "index.html")
    assert f'<button type="button">{METRICS["val_loss"].label}</button>' in text
    glossary = text.split('id="glossary"')[1]
    for entry in ("run", "configuration", "seed", "lr", METRICS["val_acc"].label):
        assert f"<dt>{entry}" in glossary
    assert METRICS["val_loss"].description in glossary


def test_every_figure_has_a_caption_and_every_image_sits_in_a_figure(study):
    pages = sorted((study / "report").rglob("*.html"))
    n_media = 0
    for page in pages:
        parsed = _parse(page)
        media = [(t, a, around) for t, a, around in parsed.tags if t in ("img", "video")]
        assert all("figure" in around for _, _, around in media), page.name
        figures = sum(t == "figure" for t, _, _ in parsed.tags)
        assert len(parsed.captions) == figures
        assert all(c.strip() for c in parsed.captions), page.name
        n_media += len(media)
    assert n_media >= 10


def test_study_figures_show_their_captions_from_captions_json(study):
    captions = json.loads((study / "figures" / "captions.json").read_text())
    text = _text(study, "index.html")
    for name, caption in captions.items():
        if (study / "figures" / name).is_file():
            assert f'src="figures/{name}"' in text
            assert (study / "report" / "figures" / name).read_bytes() == (
                study / "figures" / name
            ).read_bytes()  # a copy inside the report folder
            assert caption.replace("'", "&#39;") in text


def test_every_link_and_image_is_relative_and_resolves(study):
    pages = sorted((study / "report").rglob("*.html"))
    assert len(pages) == 2 + 5  # the index, the compare page and one page per run
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
    index = _text(study, "index.html")
    assert 'href="runs/lr%3D0.01.html"' in index
    assert 'href="runs/mp4%2Bthree.epochs.html"' in index
    assert "html &lt;&amp;&gt; report" in index and "html <&> report" not in index
    page = _text(study, "runs", "lr=0.01.html")
    assert 'src="../files/lr%3D0.01/dashboard.png"' in page
    assert (study / "report" / "data" / "curves" / "lr=0.01.js").is_file()
    assert '"run":"lr=0.01"' in page  # the page data naming the run's data files


def test_table_cells_carry_the_exact_results_for_numeric_sorting(study):
    results = pd.read_csv(study / "results.csv")
    tags = _tags(study / "report" / "index.html")
    headers = [a["data-type"] for t, a in tags if t == "th" and "data-type" in a]
    assert headers[:2] == ["none", "text"] and "number" in headers  # the checkboxes: unsorted
    values = [a["data-value"] for t, a in tags if t == "td" and "data-value" in a]
    for value in results["val_loss"].dropna():
        assert repr(float(value)) in values
    assert all(v == "" or math.isfinite(float(v)) or v.endswith("Infinity") for v in values)


def test_findings_are_rendered_from_markdown_below_the_tables(study):
    findings = (study / "findings.md").read_text(encoding="utf-8")
    section = _text(study, "index.html").split('id="findings"')[1].split("</section>")[0]
    n_sections = sum(line.startswith("## ") for line in findings.splitlines())
    assert section.count("<h3>") == n_sections  # "##" demoted under the page's <h2>
    assert "<strong>" in section and "**" not in section


# --- Run pages -------------------------------------------------------------------------------


def test_movies_embed_as_img_for_gif_and_video_for_mp4(study):
    gif_page = study / "report" / "runs" / "lr=0.001.html"
    assert ("img", "../files/lr%3D0.001/movie.gif") in [
        (t, a.get("src")) for t, a in _tags(gif_page)
    ]
    tags = _tags(study / "report" / "runs" / "mp4+three.epochs.html")
    if MOVIE_FORMAT == "mp4":
        video = next(a for t, a in tags if t == "video")
        assert "controls" in video and video["src"].endswith("/movie.mp4")


def test_run_pages_have_curves_and_a_player_where_the_run_recorded_them(study):
    epochs = _text(study, "runs", "mp4+three.epochs.html")
    assert 'id="run-curves"' in epochs and 'id="player"' in epochs
    assert '"default_x":"epoch"' in _text(study, "index.html")  # a run trained 3 epochs
    assert '"val_size":64' in epochs  # the monitor's subset, named in the chart's caption
    failed = _text(study, "runs", "cnn-kernel-40.html")
    assert 'id="run-curves"' not in failed and 'id="player"' not in failed


def test_failed_run_page_shows_its_error_and_unfinished_run_says_so(study):
    failed = _text(study, "runs", "cnn-kernel-40.html")
    assert "status-failed" in failed
    assert "Kernel size can&#39;t be greater than actual input size" in failed
    assert "Traceback" in failed and "<img" not in failed
    unfinished = _text(study, "runs", "lr=0.1_unfinished.html")
    assert "has not finished" in unfinished and 'http-equiv="refresh"' not in unfinished


def test_run_page_shows_only_the_active_model_kind_and_zeros_in_words(study):
    mlp = _text(study, "runs", "mp4+three.epochs.html")
    assert "model (mlp)" in mlp and "mlp.hidden" in mlp
    assert "cnn." not in mlp and "resnet." not in mlp
    assert "0 = none (the epochs decide)" in mlp  # train.max_steps = 0
    assert "0 = none</td>" in mlp  # resources.memory_mb = 0
    cnn = _text(study, "runs", "cnn-kernel-40.html")
    assert "model (cnn)" in cnn and "cnn.kernel_sizes" in cnn and "mlp." not in cnn
    assert "0 = all</td>" in cnn  # data.train_size = 0


def test_diagnoses_are_counted_on_the_index_and_explained_on_the_run_page(copy):
    _edit_meta(copy, "lr=0.01", diagnoses=DIAGNOSES)
    _edit_meta(copy, "lr=0.001", diagnoses=[DIAGNOSES[0], {"name": "no_fields"}, DETECTED])
    write_html_report(copy)
    index = _text(copy, "index.html")
    table = index.split('class="diagnoses"')[1].split("</table>")[0]
    rows = re.findall(r"<tr><th scope=\"row\">([^<]+)</th>.*?<td class=\"num\">(\d+)</td>", table,
                      flags=re.S)  # fmt: skip
    assert rows[:2] == [("exploding gradients", "1"), ("dead units", "2")]  # most severe first
    assert {r[0] for r in rows} == {"exploding gradients", "dead units", "loss plateau",
                                    "no fields"}  # fmt: skip
    assert 'href="runs/lr%3D0.01.html#diagnoses"' in table
    page = _text(copy, "runs", "lr=0.01.html")
    section = page.split('id="diagnoses"')[1].split("</section>")[0]
    assert "badge severity-warning" in section and "in hidden1.act, steps 2-4" in section
    assert "Most &lt;units&gt; output zero." in section and "Lower the learning rate." in section
    assert 'src="../files/lr%3D0.01/dashboard.png"' in section
    assert section.count("<figcaption>") == 1
    detected = _text(copy, "runs", "lr=0.001.html").split('id="diagnoses"')[1]
    assert "badge severity-error" in detected and "steps 3-4" in detected
    assert "123.5 &gt; 10" in detected and "nan &gt; 1e+06" in detected
    assert "<code>optim.lr = 0.001</code>" in detected


def test_diverged_run_shows_where_and_why_it_stopped(copy):
    _edit_meta(copy, "lr=0.01", status="diverged", stop_reason="loss is nan", stop_step=3)
    write_html_report(copy)
    page = _text(copy, "runs", "lr=0.01.html")
    assert "Training diverged at step 3: loss is nan." in page
    index = _text(copy, "index.html").split('id="answer"')[1].split("</section>")[0]
    assert "lr=0.01</a>" in index and "at step 3: loss is nan" in index


# --- A study in flight -----------------------------------------------------------------------


def test_a_running_study_shows_progress_queued_runs_and_reloads_until_it_ends(copy):
    shutil.rmtree(copy / "report")
    running = rundir.run_dir(copy, "lr=0.1_unfinished")
    rundir.write_progress(running, {"step": 3, "planned_steps": 8, "epoch": 1,
                                    "train_loss": 1.23456, "val_loss": None})  # fmt: skip
    index_file = copy / studydir.STUDY_FILE
    study = rundir.read_json(index_file)
    rundir.write_json(index_file, {**study, "runs": [*study["runs"], "lr=9_queued"]})
    studydir.write_heartbeat(copy, os.getpid())
    write_html_report(copy)
    index = _text(copy, "index.html")
    assert '<meta http-equiv="refresh" content="5">' in index
    flight = index.split('id="in-flight"')[1].split("</section>")[0]
    assert "badge status-running" in flight and '<progress value="3" max="8">' in flight
    assert "1.235" in flight and "lr=9_queued" in flight and "badge status-queued" in flight
    page = _text(copy, "runs", "lr=0.1_unfinished.html")
    assert "refresh" in page and "step 3 of 8" in page
    finished = _text(copy, "runs", "lr=0.01.html")
    assert "refresh" not in finished  # a finished run's page no longer changes
    studydir.clear_heartbeat(copy)
    write_html_report(copy)
    assert "refresh" not in _text(copy, "index.html")
    assert "status-not-started" in _text(copy, "index.html")


def test_run_directories_being_written_do_not_break_the_report(copy):
    starting = copy / "runs" / "lr=0.5_starting"
    starting.mkdir()
    (starting / rundir.CONFIG_FILE).write_text('{"config": {"data": {')  # cut mid-write
    (starting / rundir.PROGRESS_FILE).write_text("")
    (copy / "runs" / "lr=0.01" / rundir.HISTORY_FILE).write_text("")  # an emptied file
    studydir.write_heartbeat(copy, os.getpid())
    write_html_report(copy)
    assert "starting" in _text(copy, "runs", "lr=0.5_starting.html")
    assert "lr=0.01" in _text(copy, "index.html")


def test_questions_without_finished_runs_on_a_side_wait_for_them(copy):
    study = rundir.read_json(copy / studydir.STUDY_FILE)
    question = {"text": "Does a huge lr differ?", "metric": "val_loss", "along": None,
                "margin": None, "a": {"levels": {"lr": "0.01"}, "run": None, "metric": None},
                "b": {"levels": {"lr": "0.1"}, "run": None, "metric": None}}  # fmt: skip
    rundir.write_json(copy / studydir.STUDY_FILE, {**study, "questions": [question]})
    write_html_report(copy)
    answer = _text(copy, "index.html").split('id="answer"')[1].split("</section>")[0]
    assert "Does a huge lr differ?" in answer and "no finished run of side b" in answer
    assert "Best configuration" in answer


# --- Files -----------------------------------------------------------------------------------


def test_rerun_rewrites_only_run_data_older_than_their_run(study):
    data = study / "report" / "data" / "curves"
    outdated, current = data / "lr=0.01.js", data / "lr=0.001.js"
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
        ("# Title\n\ntext", "<h1>Title</h1>\n<p>text</p>\n"),
        ("**run=a_b_c**: 1.0", "<p><strong>run=a_b_c</strong>: 1.0</p>\n"),
        ("x_y_z and 2 * 3 * 4", "<p>x_y_z and 2 * 3 * 4</p>\n"),
        ("`a<b>`", "<p><code>a&lt;b&gt;</code></p>\n"),
        ("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n"),
        (
            "| a | b |\n|---|---|\n| x | -1.5 (-2 to -1) |",
            "<table>\n<thead>\n<tr>\n<th>a</th>\n<th>b</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n"
            '<td>x</td>\n<td class="num">-1.5 (-2 to -1)</td>\n</tr>\n</tbody>\n</table>\n',
        ),
    ],
)
def test_markdown_to_html(markdown, expected):
    assert markdown_to_html(markdown) == expected


@pytest.mark.parametrize(
    ("value", "noise_sd", "expected"),
    [
        (0.95014, 0.03, "0.950"),  # two significant digits of the noise: 3 decimals
        (0.95014, math.nan, "0.9501"),  # no noise estimate: 4 significant digits
        (20.0, 0.5, "20"),  # counts stay integers
        (-0.0004, 0.03, "0.000"),  # no sign the rounding removed
        (float("nan"), 0.03, ""),
    ],
)
def test_numbers_keep_the_digits_the_seed_noise_allows(value, noise_sd, expected):
    assert html_format.number(value, noise_sd) == expected


def test_markdown_heading_offset_demotes_and_caps_at_h6():
    assert markdown_to_html("# a\n###### b", heading_offset=1) == "<h2>a</h2>\n<h6>b</h6>\n"
