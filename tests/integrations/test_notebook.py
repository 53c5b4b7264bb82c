"""HTML views for notebooks (trainlab.viz.notebook) and their Jupyter registration."""

from __future__ import annotations

import base64
import re

import numpy as np
import pandas as pd
import pytest

import trainlab
from trainlab.integrations.notebook import FORMATTERS
from trainlab.monitor import Record
from trainlab.run import load_run
from trainlab.viz.notebook import history_html, record_html, results_html


def inline_images(html: str) -> dict[str, list[bytes]]:
    """mime type -> decoded bytes of every base64 ``<img>`` in `html`."""
    found: dict[str, list[bytes]] = {}
    for mime, data in re.findall(r"src='data:(image/\w+);base64,([A-Za-z0-9+/=]+)'", html):
        found.setdefault(mime, []).append(base64.b64decode(data))
    return found


def test_record_html_shows_summary_and_dashboard(summary_run):
    record = Record.load(summary_run)
    html = record_html(record)
    assert "<th style='padding:2px 10px;text-align:left;border-bottom:1px solid #ddd'>steps" in html
    assert ">8</td>" in html
    assert f"{record.val_loss[-1]:.4g}" in html
    for name in record.weights:
        assert name in html
    images = inline_images(html)
    assert list(images) == ["image/png"]
    assert images["image/png"][0][:8] == b"\x89PNG\r\n\x1a\n"


def test_record_html_inlines_the_movie_only_when_short(summary_run):
    record = Record.load(summary_run)
    gif = inline_images(record_html(record, movie=True))["image/gif"][0]
    assert gif[:6] == b"GIF89a"
    long = record_html(record, movie=True, max_movie_steps=5)
    assert "image/gif" not in long
    assert "8 steps &gt; max_movie_steps=5" in long


def test_record_html_of_an_empty_record_has_no_figure():
    html = record_html(Record())
    assert ">0</td>" in html
    assert not inline_images(html)


def test_history_html_shows_status_curves_and_epoch_table(summary_run):
    history = load_run(summary_run).history
    html = history_html(history)
    assert ">completed</td>" in html
    frame = history.to_frame()
    assert f"{frame['val_acc'][0]:.4g}" in html
    assert "image/png" in inline_images(html)


def test_results_html_puts_the_best_run_first_in_bold():
    table = pd.DataFrame(
        {"run": ["a", "b", "c"], "final_val_acc": [0.7, 0.9, np.nan], "final_val_loss": [1, 2, 3]}
    )
    html = results_html(table, metric="final_val_acc")
    assert html.index(">b<") < html.index(">a<") < html.index(">c<")
    css = html.split("</style>")[0]  # the Styler writes one rule per styled cell
    assert "font-weight: bold" in css
    assert "_row0_col0" in css and "_row1_" not in css and "_row2_" not in css
    by_loss = results_html(table, metric="final_val_loss")
    assert by_loss.index(">a<") < by_loss.index(">b<")
    unranked = results_html(table)  # no metric: the given order, missing values as "-"
    assert unranked.index(">a<") < unranked.index(">b<") < unranked.index(">c<")
    assert "<td>-</td>" in unranked


def test_load_ext_trainlab_shows_records_and_histories_as_html(summary_run):
    formatters = pytest.importorskip("IPython.core.formatters")
    html = formatters.HTMLFormatter()

    class Shell:  # what %load_ext hands the extension: a shell with its display formatters
        display_formatter = type("Display", (), {"formatters": {"text/html": html}})()

    trainlab.load_ipython_extension(Shell())
    record = Record.load(summary_run)
    assert "trainlab-record" in html(record)
    assert "trainlab-history" in html(load_run(summary_run).history)
    assert {module for module, _ in FORMATTERS} == {"trainlab.monitor.record",
                                                    "trainlab.train.history"}  # fmt: skip
