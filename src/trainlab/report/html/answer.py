"""The answer block at the top of the index: what the study found, with its uncertainty.

Built from the study's `StudyAnalysis` (the same object the findings and the terminal
summary render): the best configuration and those seed noise cannot separate from
it, which factors matter, the questions' verdicts with their figures, the runs that
went wrong and the diagnoses the monitor found, counted per kind.
"""

from __future__ import annotations

import math
from typing import Any

from trainlab.diagnose import severity_rank
from trainlab.report.analysis import StudyAnalysis
from trainlab.report.html import format as fmt
from trainlab.report.html.render import CaptionedFigure
from trainlab.report.html.runs import RunView, page_href
from trainlab.report.html.tables import status_class
from trainlab.run.metrics import METRICS
from trainlab.run.status import PROBLEMS, why_it_ended
from trainlab.stats import AXIS_VERDICT_WORDS, is_clear

RUN_LINKS_SHOWN = 12  # run links listed per diagnosis kind; the rest are counted


def answer_block(
    analysis: StudyAnalysis,
    views: list[RunView],
    figures: dict[str, CaptionedFigure],
) -> dict[str, Any]:
    """What templates/index.html's answer block shows.

    Args:
        views: every run of the study, for the counts, the problems and the diagnoses.
        figures: the study figures by file name (src, caption), for the questions'.
    """
    finished = sum(v.finished for v in views)
    return {
        "metric": analysis.metric,
        "finished": finished,
        "total": len(views),
        "best": _best(analysis),
        "factors": _factors(analysis),
        "questions": _questions(analysis, figures),
        "surprise": _surprise(analysis),
        "problems": _problems(views),
        "diagnoses": diagnosis_counts(views),
    }


def diagnosis_counts(views: list[RunView]) -> list[dict[str, Any]]:
    """Per kind of diagnosis: its severity, how many runs have it and links to them."""
    kinds: dict[str, dict[str, Any]] = {}
    for view in views:
        for diagnosis in view.diagnoses:
            kind = kinds.setdefault(diagnosis.name, {"diagnosis": diagnosis, "runs": []})
            if severity_rank(diagnosis.severity) < severity_rank(kind["diagnosis"].severity):
                kind["diagnosis"] = diagnosis  # the kind shows its most severe case
            if view.name not in kind["runs"]:
                kind["runs"].append(view.name)
    ordered = sorted(
        kinds.values(), key=lambda k: (severity_rank(k["diagnosis"].severity), -len(k["runs"]))
    )
    return [
        {"diagnosis": k["diagnosis"], "count": len(k["runs"]),
         "runs": [(name, page_href(name)) for name in k["runs"][:RUN_LINKS_SHOWN]],
         "more": max(0, len(k["runs"]) - RUN_LINKS_SHOWN)}
        for k in ordered
    ]  # fmt: skip


def _best(analysis: StudyAnalysis) -> dict[str, Any] | None:
    best = analysis.best
    if best is None:
        return None
    e = best.estimate
    table = best.table
    runs = analysis.table.loc[analysis.table["point"] == best.point, "run"]
    result: dict[str, Any] = {
        "point": best.point,
        "estimate": fmt.estimate(e.mean, e.low, e.high),
        "n": e.n,
        "runs": [(name, page_href(name)) for name in runs],
        "replicated": analysis.replicated,
        "tied": table.loc[table["verdict"] == "indistinguishable", "point"].tolist(),
        "runner_up": None,
        "noise_sd": "",
        "repeats": analysis.repeats_to_separate,
    }
    if len(table) > 1:
        runner = table.iloc[1]
        gap = (
            fmt.magnitude(runner["difference"], runner["low"], runner["high"])
            if runner["verdict"] == "worse"
            else fmt.number(abs(runner["difference"]))
        )
        result["runner_up"] = (runner["point"], gap)
    if math.isfinite(analysis.noise_sd_upper):
        result["noise_sd"] = f"{analysis.noise_sd_upper:.2g}"
    return result


def _factors(analysis: StudyAnalysis) -> list[dict[str, Any]]:
    """Per sub-grid, per axis: the verdict and each level's effect with its interval."""
    grids = []
    for grid in analysis.grids:
        rows = []
        for axis in grid.axes:
            verdict = str(grid.verdicts.get(axis, "unknown"))
            effects = grid.effects[grid.effects["axis"] == axis]
            levels = [
                (str(r.level), fmt.estimate(r.effect, r.low, r.high), is_clear(r.distinguishable))
                for r in effects.itertuples()
            ]
            rows.append({"axis": axis, "verdict": verdict, "words": AXIS_VERDICT_WORDS[verdict],
                         "levels": levels})  # fmt: skip
        title = (
            f"Sub-grid {grid.index + 1}: {', '.join(grid.axes)}" if len(analysis.grids) > 1 else ""
        )
        grids.append({"title": title, "rows": rows})
    return grids


def _questions(
    analysis: StudyAnalysis, figures: dict[str, CaptionedFigure]
) -> list[dict[str, Any]]:
    """One entry per distinct question text (numbered from 1, as question_<k>.png)."""
    grouped: dict[str, list] = {}
    for ans in analysis.answers:
        grouped.setdefault(ans.question.text, []).append(ans)
    questions = []
    for k, answers in enumerate(grouped.values(), start=1):
        q = answers[0].question
        margin = f"; differences within ±{q.margin:g} count as equivalent" if q.margin else ""
        questions.append({
            "text": q.text,
            "comparison": f"{q.a.label()} minus {q.b.label()}, on {METRICS[q.metric].label}"
                          f"{margin}",
            "answers": [
                {"where": f"at {q.along} = {a.level}" if a.level is not None else "",
                 "estimate": fmt.estimate(a.comparison.difference, a.comparison.low,
                                          a.comparison.high),
                 "verdict": a.comparison.verdict, "note": a.comparison.note}
                for a in answers
            ],
            "figure": figures.get(f"question_{k}.png"),
        })  # fmt: skip
    return questions


def _surprise(analysis: StudyAnalysis) -> str:
    """The clearest effect that goes against expectation, in one sentence ("" if none)."""
    s = analysis.surprise
    label = analysis.metric.label
    if s is None:
        return ""
    if s["kind"] == "reversal":
        direction, opposite = ("raises", "lowers") if s["main_effect"] > 0 else ("lowers", "raises")
        return (
            f"On average {s['axis']} = {s['level']} {direction} the {label} by "
            f"{fmt.magnitude(s['main_effect'], s['main_low'], s['main_high'])}, but at "
            f"{s['within_axis']} = {s['within_level']} it {opposite} it by "
            f"{fmt.magnitude(s['effect'], s['low'], s['high'])}: the effect reverses its sign "
            "beyond the seed noise."
        )
    direction = "higher" if s["interaction"] > 0 else "lower"
    return (
        f"At {s['axis_a']} = {s['level_a']} and {s['axis_b']} = {s['level_b']} the {label} is "
        f"{fmt.magnitude(s['interaction'], s['low'], s['high'])} {direction} than the two main "
        "effects predict: an interaction beyond the seed noise."
    )


def _problems(views: list[RunView]) -> list[dict[str, Any]]:
    """Runs that failed, diverged or were left unfinished, with the reason."""
    problems = []
    for view in views:
        if view.status not in PROBLEMS:
            continue
        problems.append({"name": view.name, "href": page_href(view.name), "status": view.status,
                         "badge": status_class(view.status),
                         "detail": why_it_ended(view.meta or {})})  # fmt: skip
    return problems
