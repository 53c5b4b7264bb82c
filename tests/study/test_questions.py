"""What a study is asked (`[report]`, `[[question]]`): parsed against the study's axes,
levels, runs and metrics; a bad value names the file, the key and, from the spec's text,
its line."""

from __future__ import annotations

import math

import pytest

from trainlab.errors import SpecError
from trainlab.run.metrics import SCORES
from trainlab.study.questions import Question, parse_questions, parse_report
from trainlab.study.spec import Level, parse_spec
from trainlab.study.spec_tables import SpecLines

AXES = {"lr": [Level("0.1", {}), Level("0.01", {})], "bn": [Level("none", {}), Level("on", {})]}
ASKED = {"text": "Does the rate matter?", "a": {"lr": 0.1}, "b": {"lr": 0.01}}


def _spec(**extra):
    return {"model": {"mlp": {"hidden": [8]}}, "train": {"max_steps": 50}, **extra}


def test_questions_are_parsed_against_axes_levels_and_metrics():
    raw = _spec(
        grid={"optim.name": ["adam", "adamw"], "optim.weight_decay": [0.0, 0.01]},
        question=[{"text": "AdamW vs Adam?", "a": {"name": "adamw"}, "b": {"name": "adam"},
                   "along": "weight_decay", "margin": 0.01, "metric": "val_acc"}],
        report={"rank_by": "val_acc"},
    )  # fmt: skip
    study = parse_spec(raw, where="s.toml")
    (q,) = study.questions
    assert q.a.levels == {"name": "adamw"} and q.along == "weight_decay" and q.metric == "val_acc"
    assert study.report.rank_by == "val_acc" and study.report.higher_is_better


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (_spec(report={"rank_by": "vibes"}), r"report\.rank_by = 'vibes'; expected one of"),
        (
            _spec(
                grid={"optim.lr": [0.1]},
                question=[{"text": "q", "a": {"lr": "0.5"}, "b": {"lr": "0.1"}}],
            ),
            r"question\[0\]\.a\.lr = '0\.5' is not a level; expected one of 0\.1",
        ),
        (
            _spec(
                grid={"optim.lr": [0.1]},
                question=[{"text": "q", "a": {"wd": "0.5"}, "b": {"lr": "0.1"}}],
            ),
            r"question\[0\]\.a: unknown axis 'wd'",
        ),
        (
            _spec(
                grid={"optim.lr": [0.1]},
                question=[{"text": "q", "metric": "speed", "a": {"lr": "0.1"}, "b": {"lr": "0.1"}}],
            ),
            r"question\[0\]\.metric = 'speed'; expected one of val_loss",
        ),
        (
            _spec(
                grid={"optim.lr": [0.1]},
                question=[{"text": "q", "a": {"run": "nope"}, "b": {"lr": "0.1"}}],
            ),
            r"question\[0\]\.a\.run = 'nope' is not a run of the study",
        ),
    ],
)
def test_bad_questions_and_report_name_the_file_and_key(raw, message):
    with pytest.raises(SpecError, match=message) as info:
        parse_spec(raw, where="study.toml")
    assert str(info.value).startswith("study.toml")


@pytest.mark.parametrize("margin", [0, 0.0, -0.01, math.inf, math.nan, True, "0.1", [0.1]])
def test_a_margin_is_a_finite_number_above_0(margin):
    with pytest.raises(SpecError) as info:
        parse_questions([{**ASKED, "margin": margin}], AXES, None, where="s.toml")
    assert str(info.value) == (
        f"s.toml: question[0].margin = {margin!r}; expected a finite number > 0 (differences "
        "within +-margin count as equivalent), or no margin"
    )
    (q,) = parse_questions([{**ASKED, "margin": 1}], AXES, None, where="s.toml")
    assert q.margin == 1.0 and isinstance(q.margin, float)


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("along", [1, "a", 2.5], "along = [1, 'a', 2.5]; expected the name of an axis: lr, bn"),
        ("along", {}, "along = {}; expected the name of an axis: lr, bn"),
        ("along", "wd", "along = 'wd'; expected the name of an axis: lr, bn"),
        ("along", "lr", "along = 'lr' is also fixed by a side; remove one"),
        ("metric", ["val_acc"], f"metric = ['val_acc']; expected one of {', '.join(SCORES)}"),
        ("text", "  ", "text = '  '; expected the question in words"),
        ("a", "lr", "a = 'lr'; expected a table of axis = level, or { run = \"<run>\" }"),
        ("a", {"lr": {}}, "a.lr = {} is not a level; expected one of 0.01, 0.1"),
        ("a", {"run": 3}, "a.run = 3 is not a run of the study"),
    ],
)
def test_a_value_of_the_wrong_type_is_a_spec_error_naming_its_key(key, value, expected):
    with pytest.raises(SpecError) as info:
        parse_questions([{**ASKED, key: value}], AXES, None, where="s.toml")
    assert str(info.value) == f"s.toml: question[0].{expected}"


def test_errors_name_the_line_of_the_key_in_the_spec():
    text = """[grid]
"optim.lr" = [0.1, 0.01]

[[question]]
text = "Does the rate matter?"
a = { lr = 0.1 }
b = { lr = 0.01 }

[[question]]
text = "Again, with a margin"
[question.a]
lr = 0.1
[question.b]
lr = 0.5
"""
    raw = [ASKED, {**ASKED, "b": {"lr": 0.5}}]
    with pytest.raises(SpecError) as info:
        parse_questions(raw, AXES, None, where="s.toml", lines=SpecLines(text))
    assert str(info.value).startswith("s.toml:13: question[1].b.lr = 0.5 is not a level")
    raw = [{**ASKED, "margin": 0}]
    text = text.replace("b = { lr = 0.01 }\n", "b = { lr = 0.01 }\nmargin = 0\n", 1)
    with pytest.raises(SpecError, match=r"^s\.toml:8: question\[0\]\.margin = 0;"):
        parse_questions(raw, AXES, None, where="s.toml", lines=SpecLines(text))


def test_a_question_round_trips_through_study_json():
    (q,) = parse_questions([{**ASKED, "along": "bn", "margin": 0.5}], AXES, None, where="s")
    assert Question.from_dict(q.to_dict()) == q


def test_report_table_checks_its_keys_and_values():
    assert parse_report({}, where="s").rank_by == "val_loss"
    with pytest.raises(SpecError, match="s: report: unknown key 'rank'; allowed: equivariance"):
        parse_report({"rank": "val_acc"}, where="s")
    with pytest.raises(SpecError, match=r"report\.equivariance = 1; expected true or false"):
        parse_report({"equivariance": 1}, where="s")
    with pytest.raises(SpecError, match=r"report\.rank_by = \['val_acc'\]; expected one of"):
        parse_report({"rank_by": ["val_acc"]}, where="s")
