"""Results tables, the study analysis and the findings, on tables with known structure."""

import itertools
import json
import re

import numpy as np
import pandas as pd
import pytest

from trainlab.report.analysis import analyze
from trainlab.report.findings import write_findings
from trainlab.report.html.answer import answer_block
from trainlab.report.results import collect_results, configurations, grid_tables, rank
from trainlab.report.writer import write_report
from trainlab.run.rundir import META_FILE, run_dir
from trainlab.study.questions import ReportConfig


def _runs(*, seeds=(0, 1, 2), noise=0.01, interaction=False, seed=0) -> pd.DataFrame:
    """a adds 0/1, b adds 0/2, c adds nothing; a=1 with b=1 subtracts 4 with `interaction`.

    Each point runs once per seed with Gaussian seed noise of sd `noise`.
    """
    rng = np.random.default_rng(seed)
    rows = []
    for a, b, c in itertools.product(["0", "1"], ["0", "1"], ["x", "y"]):
        base = 1.0 + int(a) + 2 * int(b) - (4 if interaction and a == b == "1" else 0)
        point = f"a={a}_b={b}_c={c}"
        for s in seeds:
            loss = base + noise * rng.standard_normal()
            rows.append(
                {"run": f"{point}_seed={s}", "point": point, "seed": s, "a": a, "b": b, "c": c,
                 "val_loss": loss, "val_acc": 0.5, "status": "completed", "grids": "0"}
            )  # fmt: skip
    return pd.DataFrame(rows)


def _index(axes=("a", "b", "c"), seeds=(0, 1, 2), grids=None, questions=()):
    return {"name": "toy", "axes": {a: [] for a in axes}, "seeds": list(seeds),
            "grids": grids or [list(axes)], "report": {"rank_by": "val_loss"},
            "questions": list(questions)}  # fmt: skip


def test_axis_that_does_nothing_is_within_noise_and_real_effects_matter():
    analysis = analyze(_runs(), _index())
    verdicts = analysis.grids[0].verdicts
    assert verdicts["a"] == verdicts["b"] == "matters"
    assert verdicts["c"] == "within noise"
    effects = analysis.grids[0].effects.set_index(["axis", "level"])
    assert effects.loc[("b", "1"), "effect"] == pytest.approx(1.0, abs=0.02)
    text = write_findings(analysis)
    assert "**c**: not distinguishable from seed noise." in text
    assert "b=1 raises it by" in text


def test_best_configuration_comes_with_those_seed_noise_cannot_separate():
    runs = _runs(noise=0.2)
    analysis = analyze(runs, _index())
    best = analysis.best
    assert best.point in ("a=0_b=0_c=x", "a=0_b=0_c=y")
    assert set(best.members) == {"a=0_b=0_c=x", "a=0_b=0_c=y"}  # c does nothing
    text = write_findings(analysis)
    assert f"**{best.point}**: val_loss = " in text
    assert "Not distinguishable from it by seed noise (1)" in text


def test_one_replicate_says_nothing_separates_from_noise_and_how_many_seeds_would():
    analysis = analyze(_runs(seeds=(0,), noise=0.05), _index(seeds=(0,)))
    assert not analysis.replicated and analysis.repeats_to_separate >= 2
    text = write_findings(analysis)
    assert "nothing can be separated from seed noise" in text
    assert f"`repeats = {analysis.repeats_to_separate}`" in text
    assert "unknown: one seed per configuration" in text


def test_sign_reversal_beyond_noise_is_the_surprise():
    analysis = analyze(_runs(interaction=True), _index())
    assert analysis.surprise["kind"] == "reversal"
    assert {analysis.surprise["axis"], analysis.surprise["within_axis"]} == {"a", "b"}
    assert "a sign reversal beyond the seed noise" in write_findings(analysis)


def test_no_surprise_is_said_when_nothing_clears_the_noise():
    analysis = analyze(_runs(), _index())
    assert analysis.surprise is None
    assert "Nothing surprising was found" in write_findings(analysis)


def test_findings_of_a_study_made_of_several_grids_do_not_crash():
    # Regression: the top runs of a study of several [[grid]] tables all lacked some axis.
    first = _runs(seeds=(0, 1)).query("c == 'x'").drop(columns="c")
    second = pd.DataFrame(
        [{"run": f"d={d}_seed={s}", "point": f"d={d}", "seed": s, "d": d, "val_loss": 5.0 + s,
          "val_acc": 0.5, "status": "completed", "grids": "1"}
         for d in ("p", "q") for s in (0, 1)]
    )  # fmt: skip
    table = pd.concat([first, second], ignore_index=True)
    analysis = analyze(table, _index(axes=("a", "b", "d"), seeds=(0, 1),
                                     grids=[["a", "b"], ["d"]]))  # fmt: skip
    assert [g.axes for g in analysis.grids] == [["a", "b"], ["d"]]
    assert analysis.grids[1].verdicts["d"] == "within noise"
    text = write_findings(analysis)
    assert "### Sub-grid 2: d" in text


def test_a_point_two_sub_grids_share_is_in_both():
    table = pd.DataFrame({"run": ["x", "y", "z"], "grids": ["0 1", "0", "1"]})
    (axes0, rows0), (axes1, rows1) = grid_tables(table, [["a"], ["b"]])
    assert rows0["run"].tolist() == ["x", "y"] and rows1["run"].tolist() == ["x", "z"]


def test_ranking_rule_orders_the_table_best_first_and_unfinished_last():
    table = _runs(seeds=(0,))
    table.loc[0, "status"] = "diverged"
    ranked = rank(table, ReportConfig("val_loss"))
    assert ranked["run"].iloc[-1] == table["run"].iloc[0]
    assert ranked["val_loss"].iloc[:-1].is_monotonic_increasing
    by_acc = rank(table.assign(val_acc=np.linspace(0, 1, len(table))), ReportConfig("val_acc"))
    assert by_acc["val_acc"].iloc[0] == 1.0  # higher is better for accuracies


def test_configurations_have_mean_sd_interval_and_n_per_metric():
    table = _runs()
    configs = configurations(table, ["a", "b", "c"]).set_index("point")
    runs = table[table["point"] == "a=1_b=0_c=y"]["val_loss"]
    row = configs.loc["a=1_b=0_c=y"]
    assert row["val_loss_mean"] == pytest.approx(runs.mean())
    assert row["val_loss_sd"] == pytest.approx(runs.std(ddof=1))
    assert row["val_loss_n"] == 3 and row["val_loss_ci_low"] < runs.mean() < row["val_loss_ci_high"]


def test_failed_runs_are_listed_and_left_out():
    table = _runs()
    table.loc[3, ["status", "error"]] = ["failed", "boom"]
    table.loc[3, "val_loss"] = np.nan
    analysis = analyze(table, _index())
    assert analysis.best.table["n"].sum() == len(table) - 1
    assert "boom" in write_findings(analysis)


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


def test_a_question_whose_side_has_no_finished_run_is_inconclusive_not_a_crash():
    runs = _runs()
    runs.loc[runs["a"] == "1", "status"] = "failed"
    question = {"text": "a?", "metric": "val_loss", "along": None, "margin": None,
                "a": {"levels": {"a": "1"}, "run": None, "metric": None},
                "b": {"levels": {"a": "0"}, "run": None, "metric": None}}  # fmt: skip
    (answer,) = analyze(runs, _index(questions=[question])).answers
    assert answer.comparison.verdict == "inconclusive"
    assert "no finished run of side a (a=1)" in answer.comparison.note
    assert "- **inconclusive**. no finished run of side a" in write_findings(
        analyze(runs, _index(questions=[question]))
    )  # no estimate printed as "nan"


def test_why_counts_diagnoses_where_they_gather_and_the_best_ones():
    runs = _runs()
    runs["diagnoses"] = ""
    runs.loc[runs["b"] == "1", "diagnoses"] = "dying_relu"
    runs.loc[runs["run"] == "a=0_b=0_c=x_seed=0", "diagnoses"] = "not_converged"
    text = write_findings(analyze(runs, _index()))
    why = text.split("## 5. Why")[1]
    assert "**dying_relu** (ReLU units that never turn on): 12 of 24 runs" in why
    assert "12 of 12 at b=1" in why
    assert "has no diagnosis" in why or "has these diagnoses: not_converged" in why


def test_one_configuration_has_no_median_configuration_to_compare_its_signals_with():
    runs = _runs()
    runs["grad_norm_final"] = 1.0
    two = write_findings(analyze(runs, _index()))
    one = runs[runs["point"] == "a=0_b=0_c=x"]
    alone = write_findings(analyze(one, _index()))
    assert "median configuration" in two and "median configuration" not in alone


def test_an_interaction_beyond_the_noise_is_the_surprise_and_its_levels_are_bold():
    runs = _runs()
    both = (runs["a"] == "1") & (runs["b"] == "1")
    runs.loc[both, "val_loss"] += 3.0  # amplifies both effects: no sign reverses
    analysis = analyze(runs, _index())
    assert analysis.surprise["kind"] == "interaction"
    assert {analysis.surprise["axis_a"], analysis.surprise["axis_b"]} == {"a", "b"}
    text = write_findings(analysis).split("## 4.")[1]
    assert "than the two main effects predict (an interaction beyond the seed noise)" in text
    block = answer_block(analysis, [], {})
    assert re.search(r"(higher|lower) than the two main effects predict", block["surprise"])
    (factors,) = block["factors"]
    clear = {
        (row["axis"], level): bold for row in factors["rows"] for level, _, bold in row["levels"]
    }
    assert clear[("a", "1")] and clear[("b", "1")] and not clear[("c", "x")]


def test_answers_along_an_axis_follow_the_spec_order_of_its_levels():
    # b=1 runs have the higher loss, so they rank last; the spec lists them first.
    question = {"text": "a?", "metric": "val_loss", "along": "b", "margin": None,
                "a": {"levels": {"a": "1"}, "run": None, "metric": None},
                "b": {"levels": {"a": "0"}, "run": None, "metric": None}}  # fmt: skip
    index = {**_index(questions=[question]), "axes": {"a": ["0", "1"], "b": ["1", "0"], "c": []}}
    answers = analyze(_runs(), index).answers
    assert [a.level for a in answers] == ["1", "0"]
