"""The answer block at the top of the index: what the study found, with its uncertainty.

Built from the study's `StudyAnalysis` (the same object the findings and the terminal
summary render): a warning when generated stand-in data replaced the dataset, what
varies between seeds, the best configuration (with an interval that holds although the
seeds selected it, the command that confirms it on fresh seeds, and that confirmation)
and those seed noise cannot separate from it, which factors matter (after the
study-wide correction), the configurations with unequal seed noise, the questions'
verdicts with their figures, the surprise, the runs that went wrong and the diagnoses
the monitor found, counted per kind.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from trainlab.diagnose import severity_rank
from trainlab.report.analysis import CONFIRM_REPEATS, Reversal, StudyAnalysis
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
    *,
    out: str | Path = "DIR",
) -> dict[str, Any]:
    """What templates/index.html's answer block shows.

    Args:
        views: every run of the study, for the counts, the problems and the diagnoses.
        figures: the study figures by file name (src, caption), for the questions'.
        out: the study directory, for the confirmation command it shows.
    """
    finished = sum(v.finished for v in views)
    return {
        "metric": analysis.metric,
        "finished": finished,
        "total": len(views),
        "generated": analysis.source.warning.replace("`", ""),
        "seed_variation": analysis.source.seed_variation.replace("`", ""),
        "best": _best(analysis, out),
        "factors": _factors(analysis),
        "axes_tested": analysis.axes_tested,
        "unstable": _unstable(analysis),
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


def _best(analysis: StudyAnalysis, out: str | Path) -> dict[str, Any] | None:
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
        "selected_from": best.selected_from,
        "confirm": (
            analysis.confirm_command(out)
            if analysis.confirm_top and analysis.confirmation is None
            else ""
        ),
        "confirm_top": analysis.confirm_top,
        "confirm_repeats": CONFIRM_REPEATS,
        "confirmation": _confirmation(analysis),
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


def _confirmation(analysis: StudyAnalysis) -> dict[str, Any] | None:
    """The top configurations on fresh seeds beside their means over the selecting seeds."""
    confirmation = analysis.confirmation
    if confirmation is None:
        return None
    return {
        "seeds": ", ".join(map(str, confirmation.seeds)),
        "rows": [
            {"point": r.point, "selected": fmt.number(r.selected, (r.high - r.low) / 4),
             "fresh": fmt.estimate(r.mean, r.low, r.high), "n": r.n}
            for r in confirmation.table.itertuples()
        ],
        "best": confirmation.best.point if confirmation.best is not None else "",
    }  # fmt: skip


def _unstable(analysis: StudyAnalysis) -> list[dict[str, Any]]:
    """Configurations whose seed spread is far from the others': they keep their own."""
    if analysis.noise is None:
        return []
    flagged = analysis.noise.table[analysis.noise.table["flagged"]]
    return [
        {"point": r.point, "sd": f"{r.sd:.2g}", "ratio": f"{r.ratio:.2g}",
         "others_sd": f"{r.others_sd:.2g}", "n": r.n, "tested": len(analysis.noise.table),
         "alone": bool(r.alone)}
        for r in flagged.itertuples()
    ]  # fmt: skip


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
        family = (
            f"; intervals simultaneous over the {answers[0].family} levels of {q.along}"
            if answers[0].family > 1
            else ""
        )
        questions.append({
            "text": q.text,
            "comparison": f"{q.a.label()} minus {q.b.label()}, on {METRICS[q.metric].label}"
                          f"{margin}{family}",
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
    test = (
        f" The two axes' interaction clears the noise after the correction over the study's "
        f"{s.pairs} pair{'s' if s.pairs != 1 else ''} of axes (Holm-adjusted p = "
        f"{s.p_adjusted:.2g})."
    )
    if isinstance(s, Reversal):
        up = s.main.estimate > 0
        direction, opposite = ("raises", "lowers") if up else ("lowers", "raises")
        return (
            f"On average {s.axis} = {s.level} {direction} the {label} by "
            f"{fmt.magnitude(s.main.estimate, s.main.low, s.main.high)}, but at "
            f"{s.within_axis} = {s.within_level} it {opposite} it by "
            f"{fmt.magnitude(s.within.estimate, s.within.low, s.within.high)}: the effect "
            "reverses its sign beyond the seed noise." + test
        )
    direction = "higher" if s.effect.estimate > 0 else "lower"
    return (
        f"At {s.axis_a} = {s.level_a} and {s.axis_b} = {s.level_b} the {label} is "
        f"{fmt.magnitude(s.effect.estimate, s.effect.low, s.effect.high)} {direction} than the "
        "two main effects predict: an interaction beyond the seed noise." + test
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
