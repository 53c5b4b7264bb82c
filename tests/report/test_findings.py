"""The findings Markdown: what each section says, and that it says what the analysis holds."""

import numpy as np
import pandas as pd

from trainlab.report.analysis import analyze
from trainlab.report.findings import markdown_table, write_findings


def test_markdown_tables_come_from_one_helper_that_escapes_bars():
    lines = markdown_table(["a", "mean |w|"], [[1, "x|y"]])
    assert lines == ["| a | mean \\|w\\| |", "|---|---|", "| 1 | x\\|y |"]


def test_what_matters_gives_each_axis_its_verdict_and_its_test(toy):
    text = write_findings(analyze(toy.runs(), toy.index()))
    assert "- **c**: not distinguishable from seed noise. F = " in text
    assert "- **a**: matters. F = " in text and "Holm-adjusted: " in text
    assert "b=1 raises it by" in text
    assert "Holm-adjusted over the study's 3 axes" in text
    assert '"matters" over the 3 axes tested' in text and "3 pairs of axes" in text


def test_the_best_is_said_to_be_selected_and_the_cure_is_offered(toy):
    analysis = analyze(toy.runs(noise=0.2), toy.index())
    text = write_findings(analysis, "runs/toy")
    best = analysis.best
    assert f"**{best.point}**: val_loss = " in text
    assert "the best of 8 by these same seeds, so its interval holds for all 8" in text
    assert "ignores the selection" in text
    assert "Not distinguishable from it by seed noise (Hsu's comparison with the best" in text
    assert "`trainlab confirm runs/toy --top 3 --repeats 5` reruns the top 3" in text


def test_one_replicate_says_nothing_separates_from_noise_and_how_many_seeds_would(toy):
    analysis = analyze(toy.runs(seeds=(0,), noise=0.05), toy.index(seeds=(0,)))
    text = write_findings(analysis)
    assert "nothing can be separated from seed noise" in text
    assert f"`repeats = {analysis.repeats_to_separate}`" in text
    assert "unknown: one seed per configuration" in text
    assert "with one seed per configuration no effect can be told from noise" in text


def test_generated_stand_in_data_is_said_at_the_top(toy):
    runs = toy.runs().assign(dataset="cifar10", synthetic=True, split_seed=0, augment=False)
    text = write_findings(analyze(runs, toy.index()))
    title, blank, warning = text.splitlines()[:3]
    assert title == "# Findings: toy" and blank == ""
    assert warning.startswith("> **Generated stand-in data.**")
    assert "these findings test the pipeline, not cifar10" in warning
    real = write_findings(analyze(runs.assign(synthetic=False), toy.index()))
    assert "Generated stand-in data" not in real


def test_what_varies_between_seeds_is_said(toy):
    fixed = toy.runs().assign(dataset="mnist", synthetic=False, split_seed=0, augment=False)
    text = write_findings(analyze(fixed, toy.index()))
    assert "Between seeds: the initial weights, the order of the training batches" in text
    assert "The validation split is fixed (`data.split_seed = 0`)" in text
    per_seed = fixed.assign(split_per_seed=True, split_seed=fixed["seed"])
    assert "the validation split (each seed draws its own" in write_findings(
        analyze(per_seed, toy.index())
    )


def test_unequal_seed_noise_is_listed_with_what_it_changes(toy):
    runs = toy.runs(noise=0.05)
    runs.loc[runs["point"] == "a=1_b=0_c=y", "val_loss"] += np.array([-1.5, 0.2, 1.6])
    text = write_findings(analyze(runs, toy.index()))
    assert "### Unequal seed noise" in text
    assert "- **a=1_b=0_c=y**: seed sd " in text and "use their own variance (Welch" in text
    calm = write_findings(analyze(toy.runs(), toy.index()))
    assert "No configuration's seed spread differs from the others' beyond chance" in calm


def test_questions_are_pre_registered_and_an_inconclusive_one_says_the_smallest_margin(toy):
    runs = toy.runs(noise=0.5)
    analysis = analyze(runs, toy.index(questions=[toy.question(a=("c", "x"), b=("c", "y"))]))
    (answer,) = analysis.answers
    assert answer.comparison.verdict == "inconclusive"
    text = write_findings(analysis)
    assert "Questions written in the spec are pre-registered" in text
    assert "it would be equivalent with a margin of" in text
    assert "seeds (" in text and "more than the 3 run)" in text


def test_answers_along_an_axis_say_their_intervals_hold_together(toy):
    index = toy.index(questions=[toy.question(along="b")])
    text = write_findings(analyze(toy.runs(), index))
    assert "intervals simultaneous over the 2 levels of b:" in text
    assert text.count("- at b=") == 2


def test_a_question_whose_side_has_no_finished_run_prints_no_nan(toy):
    runs = toy.runs()
    runs.loc[runs["a"] == "1", "status"] = "failed"
    text = write_findings(analyze(runs, toy.index(questions=[toy.question()])))
    assert "- **inconclusive**. no finished run of side a (a=1)" in text


def test_sign_reversal_and_interaction_surprises_in_words(toy):
    reversal = write_findings(analyze(toy.runs(interaction=True), toy.index()))
    section = reversal.split("## 4.")[1].split("## 5.")[0]
    assert "a sign reversal beyond the seed noise" in section
    assert "Holm-adjusted over the study's 3 pairs of axes" in section
    runs = toy.runs()
    runs.loc[(runs["a"] == "1") & (runs["b"] == "1"), "val_loss"] += 3.0
    section = write_findings(analyze(runs, toy.index())).split("## 4.")[1]
    assert "than the two main effects predict (an interaction beyond the seed noise)" in section


def test_no_surprise_says_which_test_found_nothing(toy):
    text = write_findings(analyze(toy.runs(), toy.index()))
    assert "Nothing surprising was found: no pair of axes interacts beyond the seed noise" in text
    single = toy.runs().query("a == '0' and b == '0'")
    alone = write_findings(analyze(single, toy.index(axes=("c",), grids=[["c"]])))
    assert "no sub-grid varies two axes together" in alone


def test_several_sub_grids_each_get_their_section(toy):
    first = toy.runs(seeds=(0, 1)).query("c == 'x'").drop(columns="c")
    second = pd.DataFrame(
        [{"run": f"d={d}_seed={s}", "point": f"d={d}", "seed": s, "d": d, "val_loss": 5.0 + s,
          "val_acc": 0.5, "status": "completed", "grids": "1"}
         for d in ("p", "q") for s in (0, 1)]
    )  # fmt: skip
    table = pd.concat([first, second], ignore_index=True)
    index = toy.index(axes=("a", "b", "d"), seeds=(0, 1), grids=[["a", "b"], ["d"]])
    text = write_findings(analyze(table, index))
    assert "### Sub-grid 2: d" in text and "- **d**: not distinguishable" in text


def test_failed_runs_are_listed(toy):
    table = toy.runs()
    table.loc[3, ["status", "error"]] = ["failed", "boom"]
    table.loc[3, "val_loss"] = np.nan
    assert "boom" in write_findings(analyze(table, toy.index()))


def test_why_counts_diagnoses_where_they_gather_and_the_best_ones(toy):
    runs = toy.runs()
    runs["diagnoses"] = ""
    runs.loc[runs["b"] == "1", "diagnoses"] = "dying_relu"
    runs.loc[runs["run"] == "a=0_b=0_c=x_seed=0", "diagnoses"] = "not_converged"
    text = write_findings(analyze(runs, toy.index()))
    why = text.split("## 5. Why")[1]
    assert "**dying_relu** (ReLU units that never turn on): 12 of 24 runs" in why
    assert "12 of 12 at b=1" in why
    assert "has no diagnosis" in why or "has these diagnoses: not_converged" in why


def test_one_configuration_has_no_median_configuration_to_compare_its_signals_with(toy):
    runs = toy.runs()
    runs["grad_norm_final"] = 1.0
    two = write_findings(analyze(runs, toy.index()))
    alone = write_findings(analyze(runs[runs["point"] == "a=0_b=0_c=x"], toy.index()))
    assert "median configuration" in two and "median configuration" not in alone
    assert "trainlab confirm" not in alone  # one configuration: nothing was selected


def test_a_confirmation_is_reported_apart(toy):
    runs = toy.runs(noise=0.2)
    fresh = toy.runs(seeds=(3, 4), noise=0.2, seed=5).query("a == '0' and b == '0'")
    text = write_findings(analyze(runs, toy.index(), confirmation=fresh))
    section = text.split("### Confirmation on fresh seeds")[1].split("## 2.")[0]
    assert "on seeds 3, 4, which selected nothing" in section
    assert (
        "| configuration | mean over the study's seeds | mean over fresh seeds (95%) |" in section
    )
    assert "trainlab confirm DIR" not in text
