"""Every study trainlab ships runs end to end in --quick mode, as a user would run it,
and its report has the figures and tables its experiment asks for.

Datasets: real Fashion-MNIST where Debian's package is installed, real MNIST from
``../shared/datasets`` (TRAINLAB_DATA) where it is present, generated files in the
official formats for the rest (CIFAR-10).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from trainlab.data.locate import locate

REPO = Path(__file__).resolve().parents[2]
STUDIES = REPO / "studies"
DEMO = REPO / "src" / "trainlab" / "study" / "demo.toml"
SHARED_DATA = REPO.parent / "shared" / "datasets"  # real MNIST, where this checkout has it

# What each study's report must hold beyond results.csv, configs.csv and findings.md.
EXPECTED_FIGURES = {
    "demo": ["effects.png", "question_1.png", "history_grid.png", "samples.png", "classes.png"],
    "fashion_regularization": [
        "history_grid_1.png", "history_grid_2.png", "history_grid_3.png",
        "lc_weight_decay.png", "lc_dropout.png", "lc_lr.png", "effects.png",
        "question_1.png", "question_2.png", "question_3.png", "question_4.png",
    ],
    "trainer_experiments": [
        "compare_1.png", "compare_2.png", "compare_3.png", "compare_4.png",
        "question_1.png", "question_2.png", "question_3.png", "lc_lr.png",
    ],
    "mnist_fnn": ["effects.png", "question_1.png", "question_2.png", "question_3.png",
                  "lc_depth.png", "lc_width.png", "history_grid_7.png"],
    "regularization_movies": ["effects.png", "question_1.png", "question_2.png",
                              "question_3.png", "history_grid.png"],
    "resnet_cifar": ["history_grid.png", "samples.png"],
}  # fmt: skip


# Extra flags: the largest studies run each configuration once (their replicates are what
# the demo's and fashion_regularization's two quick seeds exercise), so the suite stays
# within CI's minutes; their questions are then answered "inconclusive", as they must be.
EXTRA_ARGS = {
    name: ["--repeats", "1"] for name in ("regularization_movies", "trainer_experiments",
                                          "mnist_fnn")
}  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("spec", [DEMO, *sorted(STUDIES.glob("*.toml"))], ids=lambda p: p.stem)
def test_shipped_study_runs_quick_and_reports_what_its_experiment_asks(
    spec, tmp_path, run_cli, monkeypatch
):
    if (SHARED_DATA / "mnist").is_dir():  # the workers inherit it
        monkeypatch.setenv("TRAINLAB_DATA", str(SHARED_DATA))
    out = tmp_path / "out"
    result = run_cli("run", spec, "--quick", "--out", out, "--jobs", "2", "--no-progress",
                     "--html", *EXTRA_ARGS.get(spec.stem, []))  # fmt: skip
    assert result.code == 0, result.err[-3000:]
    assert "Traceback" not in result.err
    results = pd.read_csv(out / "results.csv")
    assert set(results["status"]) <= {"completed", "stopped", "diverged"}, results[
        ["run", "status", "error"]
    ].to_string()
    assert len(pd.read_csv(out / "configs.csv")) == results["point"].nunique()
    findings = (out / "findings.md").read_text()
    assert "## 1. Best configuration" in findings
    for figure in EXPECTED_FIGURES[spec.stem]:
        assert (out / "figures" / figure).is_file(), f"{spec.stem}: {figure} missing"
    assert (out / "report" / "index.html").is_file()
    _check_study_specifics(spec.stem, out, findings)


def _check_study_specifics(name: str, out: Path, findings: str) -> None:
    if name in ("fashion_regularization", "trainer_experiments", "mnist_fnn", "demo"):
        assert "## 3. Questions" in findings
        assert (
            findings.count("**differs**")
            + findings.count("**equivalent**")
            + findings.count("**inconclusive**")
            >= 1
        )
    if name == "fashion_regularization":
        history = pd.read_csv(next((out / "runs").glob("dropout=0.5*/history.csv")))
        assert {"first_layer_mean_abs_weight", "first_layer_mean_abs_grad"} <= set(history)
        assert "kept epoch" in findings  # the early-stopping table: the kept epoch's metrics
        assert "last-epoch validation loss" in findings  # ... next to the last epoch's
    if name == "trainer_experiments":
        config = (next((out / "runs").glob("arch=mlp-2x256*")) / "config.json").read_text()
        assert '"loss": "clipped_cross_entropy"' in config and '"val_from": "test"' in config
        if locate("fashion-mnist", "train") is not None:  # real images: the figure is drawn
            assert (out / "figures" / "equivariance" / "shift.png").is_file()
    if name == "regularization_movies":
        assert len(list((out / "runs").glob("*/movie.gif"))) == len(list((out / "runs").iterdir()))
