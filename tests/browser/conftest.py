"""Browser fixtures: a headless Chromium, generated data and a small study with its HTML report."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from trainlab.data.synthetic import write_synthetic
from trainlab.report import write_report
from trainlab.report.html import write_html_report
from trainlab.study import LocalExecutor
from trainlab.study.runner import run_study
from trainlab.study.spec import load_spec


def _load_driver():
    """Import chromium.py beside this file (tests are not a package under importlib mode)."""
    path = Path(__file__).with_name("chromium.py")
    spec = importlib.util.spec_from_file_location("trainlab_test_chromium", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


driver = _load_driver()

# Run names cover `=`, `.`, `+` and `-`; max_steps levels 10 and 3 sort differently as
# numbers and as text; one run fails (a 40x40 kernel on 28x28 images).
STUDY = """
name = "browser-check"
description = "Every kind of run page: GIF movie, MP4 movie, failed run."
[data]
name = "fashion-mnist"
root = "{root}"
val_size = 200
[model.mlp]
hidden = [16]
[monitor]
val_size = 64
[output]
movie = true
fps = 5
[grid]
"train.max_steps" = [10, 3]

[[extra]]
name = "mp4+h.264"
set = {{ "train.max_steps" = 2, "output.movie_format" = "{movie_format}" }}

[[extra]]
name = "cnn-kernel-40"
set = {{ "model.kind" = "cnn", "model.cnn.kernel_sizes" = [40, 3] }}
"""


@pytest.fixture(scope="session")
def chromium():
    """A running headless Chromium, or a skip where none is installed."""
    binary = driver.find_chromium()
    if binary is None:
        pytest.skip("no chromium binary on PATH (Debian: apt-get install -y chromium)")
    with driver.Chromium(binary) as browser:
        yield browser


@pytest.fixture(scope="session")
def data_root(tmp_path_factory) -> Path:
    """A small generated Fashion-MNIST-format dataset."""
    return write_synthetic(
        "fashion-mnist", tmp_path_factory.mktemp("data"), n_train=600, n_test=100
    )


@pytest.fixture(scope="session")
def study_report(tmp_path_factory, data_root) -> Path:
    """A 4-run study with movies and a failed run, reported; returns its output directory."""
    movie_format = "mp4" if importlib.util.find_spec("imageio_ffmpeg") else "gif"
    spec = tmp_path_factory.mktemp("spec") / "browser.toml"
    spec.write_text(STUDY.format(root=data_root, movie_format=movie_format))
    out = tmp_path_factory.mktemp("study")
    run_study(load_spec(spec), out, executor=LocalExecutor(1), progress=False)
    write_report(out)
    write_html_report(out)
    return out
