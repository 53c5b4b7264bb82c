"""Factor effects, interactions, sign reversals and findings on tables with known structure."""

import itertools
import json

import numpy as np
import pandas as pd
import pytest

from trainlab.sweep.findings import write_findings
from trainlab.sweep.report import write_report
from trainlab.sweep.results import (
    collect_results,
    factor_effects,
    interactions,
    sign_reversals,
)
from trainlab.sweep.rundir import META_FILE, run_dir


def _table(with_interaction: bool) -> pd.DataFrame:
    """a adds 0/1, b adds 0/2, c adds nothing; optionally a=1 with b=1 subtracts 4."""
    rows = []
    for a, b, c in itertools.product([0, 1], [0, 1], ["x", "y"]):
        loss = 1.0 + a + 2 * b - (4 if with_interaction and a and b else 0)
        rows.append(
            {"run": f"a={a}_b={b}_c={c}", "a": a, "b": b, "c": c, "final_val_loss": loss,
             "val_loss_auc": loss + 0.5, "final_val_acc": 0.5, "status": "completed"}
        )  # fmt: skip
    return pd.DataFrame(rows)


def test_factor_effects_are_level_means_over_other_axes():
    effects = factor_effects(_table(False), ["a", "b", "c"], "final_val_loss")
    by = {(e.axis, e.level): e for e in effects.itertuples()}
    assert by[("a", 0)].mean == pytest.approx(2.0) and by[("a", 1)].mean == pytest.approx(3.0)
    assert by[("b", 1)].effect == pytest.approx(1.0)
    assert by[("c", "x")].effect == pytest.approx(0.0)
    assert by[("a", 0)].n == 4


def test_additive_table_has_no_interaction_and_no_reversal():
    table = _table(False)
    assert interactions(table, ["a", "b", "c"], "final_val_loss")["strength"].max() < 1e-12
    assert sign_reversals(table, ["a", "b", "c"], "final_val_loss").empty


def test_interaction_and_sign_reversal_are_found():
    table = _table(True)
    top = interactions(table, ["a", "b", "c"], "final_val_loss").iloc[0]
    assert {top.axis_a, top.axis_b} == {"a", "b"}
    assert top.strength == pytest.approx(1.0)
    reversal = sign_reversals(table, ["a", "b", "c"], "final_val_loss").iloc[0]
    # Cells a0b0=1, a1b0=2, a0b1=3, a1b1=0: a=1 lowers the loss on average (-0.5)
    # but raises it within b=0 (+0.5), and symmetrically for b; all flips have size 0.5.
    assert abs(reversal.effect) == pytest.approx(0.5)
    assert np.sign(reversal.effect) != np.sign(reversal.main_effect)
    assert {reversal.axis, reversal.within_axis} == {"a", "b"}


def test_failed_and_diverged_runs_are_left_out_of_effects():
    table = _table(False)
    table.loc[0, "status"] = "diverged"
    table.loc[0, "final_val_loss"] = np.nan
    effects = factor_effects(table, ["a"], "final_val_loss")
    assert effects.set_index("level").loc[0, "n"] == 3


def test_findings_name_the_best_run_and_the_rule():
    table = _table(True)
    text = write_findings(table, ["a", "b", "c"], title="toy")
    best = table.sort_values("val_loss_auc").iloc[0]["run"]
    assert f"**{best}**" in text
    assert "sign within one level of another axis is opposite" in text
    assert "| a | 0 |" in text


def test_findings_list_runs_that_did_not_finish():
    table = _table(False)
    table.loc[3, ["status", "error"]] = ["failed", "boom"]
    assert "boom" in write_findings(table, ["a", "b", "c"], title="toy")


def test_collect_results_reads_finished_runs_and_marks_unfinished(tmp_path):
    done = run_dir(tmp_path, "lr=0.1")
    done.mkdir(parents=True)
    meta = {"name": "lr=0.1", "status": "completed", "varied": {"lr": "0.1"},
            "metrics": {"final_val_loss": 0.5}, "seconds": 1.5}  # fmt: skip
    (done / META_FILE).write_text(json.dumps(meta))
    run_dir(tmp_path, "lr=0.2").mkdir(parents=True)
    (tmp_path / "runs" / "notes.txt").write_text("a stray file is not a run")
    table = collect_results(tmp_path, ["lr"]).set_index("run")
    assert len(table) == 2
    assert table.loc["lr=0.1", "final_val_loss"] == 0.5
    assert table.loc["lr=0.1", "lr"] == "0.1"
    assert table.loc["lr=0.2", "status"] == "unfinished"


def test_study_without_any_run_directory_gets_an_empty_well_formed_report(tmp_path):
    (tmp_path / "study.json").write_text(json.dumps({"name": "s", "axes": {"lr": ["0.1"]}}))
    table = write_report(tmp_path)  # e.g. every worker died before writing a file
    assert table.empty and list(table.columns[:2]) == ["run", "lr"] and "status" in table
    assert pd.read_csv(tmp_path / "results.csv").columns[0] == "run"
    assert "No finished run" in (tmp_path / "findings.md").read_text()
