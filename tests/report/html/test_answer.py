"""What the report's answer block says: the same analysis the findings render."""

import re

import numpy as np

from trainlab.report.analysis import analyze
from trainlab.report.html.answer import answer_block


def test_the_answer_block_says_generated_data_selection_and_the_cure(toy):
    runs = toy.runs(noise=0.2).assign(dataset="cifar10", synthetic=True, split_seed=0,
                                      augment=False)  # fmt: skip
    block = answer_block(analyze(runs, toy.index()), [], {}, out="runs/toy")
    assert "these findings test the pipeline, not cifar10" in block["generated"]
    assert "`" not in block["generated"]  # plain text in HTML
    assert "The validation split is fixed (data.split_seed = 0)" in block["seed_variation"]
    best = block["best"]
    assert best["selected_from"] == 8 and best["confirm_top"] == 3
    assert best["confirm"] == "trainlab confirm runs/toy --top 3 --repeats 5"
    assert block["axes_tested"] == 3


def test_the_answer_block_lists_unstable_configurations(toy):
    runs = toy.runs(noise=0.05)
    runs.loc[runs["point"] == "a=1_b=0_c=y", "val_loss"] += np.array([-1.5, 0.2, 1.6])
    (unstable,) = answer_block(analyze(runs, toy.index()), [], {})["unstable"]
    assert unstable["point"] == "a=1_b=0_c=y" and unstable["tested"] == 8


def test_an_interaction_beyond_the_noise_is_the_surprise_and_its_levels_are_bold(toy):
    runs = toy.runs()
    both = (runs["a"] == "1") & (runs["b"] == "1")
    runs.loc[both, "val_loss"] += 3.0  # amplifies both effects: no sign reverses
    block = answer_block(analyze(runs, toy.index()), [], {})
    assert re.search(r"(higher|lower) than the two main effects predict", block["surprise"])
    assert "3 pairs of axes (Holm-adjusted p = " in block["surprise"]
    (factors,) = block["factors"]
    clear = {
        (row["axis"], level): bold for row in factors["rows"] for level, _, bold in row["levels"]
    }
    assert clear[("a", "1")] and clear[("b", "1")] and not clear[("c", "x")]


def test_answers_along_an_axis_say_their_family(toy):
    index = toy.index(questions=[toy.question(along="b")])
    (question,) = answer_block(analyze(toy.runs(), index), [], {})["questions"]
    assert question["comparison"].endswith("intervals simultaneous over the 2 levels of b")


def test_a_confirmation_replaces_the_command_with_its_table(toy):
    runs = toy.runs(noise=0.2)
    fresh = toy.runs(seeds=(3, 4), noise=0.2, seed=5).query("a == '0' and b == '0'")
    best = answer_block(analyze(runs, toy.index(), confirmation=fresh), [], {})["best"]
    assert best["confirm"] == "" and best["confirmation"]["seeds"] == "3, 4"
    assert {row["point"] for row in best["confirmation"]["rows"]} == {
        "a=0_b=0_c=x", "a=0_b=0_c=y"
    }  # fmt: skip
