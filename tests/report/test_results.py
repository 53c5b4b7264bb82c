"""Results tables: one row per run read from the run directories, one per configuration."""

import json

import numpy as np
import pandas as pd
import pytest

from trainlab.report.results import (
    collect_results,
    configurations,
    grid_tables,
    rank,
    read_confirmation,
)
from trainlab.report.writer import write_report
from trainlab.run.rundir import CONFIG_FILE, META_FILE, run_dir
from trainlab.study.questions import ReportConfig


def test_a_point_two_sub_grids_share_is_in_both():
    table = pd.DataFrame({"run": ["x", "y", "z"], "grids": ["0 1", "0", "1"]})
    (axes0, rows0), (axes1, rows1) = grid_tables(table, [["a"], ["b"]])
    assert rows0["run"].tolist() == ["x", "y"] and rows1["run"].tolist() == ["x", "z"]


def test_ranking_rule_orders_the_table_best_first_and_unfinished_last(toy):
    table = toy.runs(seeds=(0,))
    table.loc[0, "status"] = "diverged"
    ranked = rank(table, ReportConfig("val_loss"))
    assert ranked["run"].iloc[-1] == table["run"].iloc[0]
    assert ranked["val_loss"].iloc[:-1].is_monotonic_increasing
    by_acc = rank(table.assign(val_acc=np.linspace(0, 1, len(table))), ReportConfig("val_acc"))
    assert by_acc["val_acc"].iloc[0] == 1.0  # higher is better for accuracies


def test_configurations_have_mean_sd_interval_and_n_per_metric(toy):
    table = toy.runs()
    configs = configurations(table, ["a", "b", "c"]).set_index("point")
    runs = table[table["point"] == "a=1_b=0_c=y"]["val_loss"]
    row = configs.loc["a=1_b=0_c=y"]
    assert row["val_loss_mean"] == pytest.approx(runs.mean())
    assert row["val_loss_sd"] == pytest.approx(runs.std(ddof=1))
    assert row["val_loss_n"] == 3 and row["val_loss_ci_low"] < runs.mean() < row["val_loss_ci_high"]


def test_collect_results_reads_finished_runs_and_marks_unfinished(tmp_path):
    done = run_dir(tmp_path, "lr=0.1_seed=3")
    done.mkdir(parents=True)
    reason = "training loss became nan at step 7 (epoch 1)"
    meta = {"name": "lr=0.1_seed=3", "point": "lr=0.1", "seed": 3, "status": "diverged",
            "varied": {"lr": "0.1"}, "metrics": {"val_loss": 0.5}, "seconds": 1.5,
            "stop_reason": reason, "stop_step": 7}  # fmt: skip
    (done / META_FILE).write_text(json.dumps(meta))
    run_dir(tmp_path, "lr=0.2").mkdir(parents=True)
    (tmp_path / "runs" / "notes.txt").write_text("a stray file is not a run")
    table = collect_results(tmp_path, ["lr"]).set_index("run")
    assert len(table) == 2
    row = table.loc["lr=0.1_seed=3"]
    assert row["val_loss"] == 0.5 and row["lr"] == "0.1" and row["point"] == "lr=0.1"
    assert row["seed"] == 3 and row["stop_step"] == 7 and "step 7" in row["stop_reason"]
    assert table.loc["lr=0.2", "status"] == "unfinished"


def test_study_without_any_run_directory_gets_an_empty_well_formed_report(tmp_path):
    (tmp_path / "study.json").write_text(json.dumps({"name": "s", "axes": {"lr": ["0.1"]}}))
    analysis = write_report(tmp_path)  # e.g. every worker died before writing a file
    table = analysis.table
    assert table.empty and list(table.columns[:4]) == ["run", "point", "seed", "lr"]
    assert pd.read_csv(tmp_path / "results.csv").columns[0] == "run"
    assert "No run finished" in (tmp_path / "findings.md").read_text()


def test_each_run_says_what_data_it_trained_on(tmp_path):
    directory = run_dir(tmp_path, "lr=0.1")
    directory.mkdir(parents=True)
    (directory / META_FILE).write_text(json.dumps(
        {"name": "lr=0.1", "point": "lr=0.1", "seed": 2, "status": "completed",
         "varied": {"lr": "0.1"}, "metrics": {"val_loss": 0.5}}
    ))  # fmt: skip
    data = {"name": "cifar10", "synthetic": True, "split_seed": 2, "split_per_seed": True,
            "augment": True}  # fmt: skip
    (directory / CONFIG_FILE).write_text(json.dumps({"config": {"data": data}}))
    row = collect_results(tmp_path, ["lr"]).set_index("run").loc["lr=0.1"]
    assert (row["dataset"], row["synthetic"], row["split_seed"]) == ("cifar10", True, 2)
    assert row["split_per_seed"] and row["augment"]


def test_a_confirmation_is_read_from_its_own_study_directory(tmp_path):
    assert read_confirmation(tmp_path) is None
    confirm = tmp_path / "confirm"
    directory = run_dir(confirm, "lr=0.1_seed=3")
    directory.mkdir(parents=True)
    (confirm / "study.json").write_text(json.dumps({"name": "s-confirm", "axes": {}}))
    (directory / META_FILE).write_text(json.dumps(
        {"name": "lr=0.1_seed=3", "point": "lr=0.1", "seed": 3, "status": "completed",
         "metrics": {"val_loss": 0.4}}
    ))  # fmt: skip
    table = read_confirmation(tmp_path)
    assert table["point"].tolist() == ["lr=0.1"] and table["seed"].tolist() == [3]
