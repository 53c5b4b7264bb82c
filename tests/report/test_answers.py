"""Answers to a study's questions: pairing, one family per question, the spec's order."""

import pytest

from trainlab.report.answers import answer
from trainlab.stats import compare
from trainlab.study.questions import Question


def test_a_question_without_along_keeps_its_own_5_percent(toy):
    runs = toy.runs(noise=0.3)
    question = Question.from_dict(toy.question(a=("c", "x"), b=("c", "y")))
    (ans,) = answer(question, runs, ["a", "b", "c"])
    a, b = runs[runs["c"] == "x"], runs[runs["c"] == "y"]
    expected = compare(a, b, "val_loss", pair_on=["a", "b", "seed"])
    assert ans.family == 1 and ans.comparison.paired
    assert (ans.comparison.low, ans.comparison.high) == pytest.approx((expected.low, expected.high))


def test_answers_along_an_axis_are_one_family_with_simultaneous_intervals(toy):
    runs = toy.runs(noise=0.3)
    question = Question.from_dict(toy.question(a=("c", "x"), b=("c", "y"), along="b"))
    answers = answer(question, runs, ["a", "b", "c"], ["0", "1"])
    assert [a.level for a in answers] == ["0", "1"] and {a.family for a in answers} == {2}
    for ans in answers:
        rows = runs[runs["b"] == ans.level]
        expected = compare(rows[rows["c"] == "x"], rows[rows["c"] == "y"], "val_loss",
                           pair_on=["a", "seed"], confidence=1 - 0.05 / 2)  # fmt: skip
        assert (ans.comparison.low, ans.comparison.high) == pytest.approx(
            (expected.low, expected.high)
        )


def test_answers_along_an_axis_follow_the_spec_order_of_its_levels(toy):
    # b=1 runs have the higher loss, so they rank last; the spec lists them first.
    question = Question.from_dict(toy.question(along="b"))
    answers = answer(question, toy.runs(), ["a", "b", "c"], ["1", "0"])
    assert [a.level for a in answers] == ["1", "0"]


def test_a_side_without_finished_runs_is_inconclusive_not_a_crash(toy):
    runs = toy.runs()
    runs.loc[runs["a"] == "1", "status"] = "failed"
    (ans,) = answer(Question.from_dict(toy.question()), runs, ["a", "b", "c"])
    assert ans.comparison.verdict == "inconclusive"
    assert "no finished run of side a (a=1)" in ans.comparison.note


def test_an_unstable_configuration_keeps_its_own_variance_in_an_answer(toy):
    runs = toy.runs(noise=0.05, seeds=(0, 1, 2))
    question = Question.from_dict(toy.question())
    unpaired = runs.drop(columns="seed")  # no seed column: the sides do not pair
    unpaired["seed"] = range(len(unpaired))
    (pooled,) = answer(question, unpaired, ["a", "b", "c"])
    (own,) = answer(question, unpaired, ["a", "b", "c"], own_noise=["a=1_b=0_c=x"])
    assert not pooled.comparison.paired
    assert float(pooled.comparison.df).is_integer() and not float(own.comparison.df).is_integer()
