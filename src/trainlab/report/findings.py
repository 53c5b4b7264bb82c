"""Findings of a study as Markdown, rendered from its `StudyAnalysis`.

At the top: a warning when generated stand-in data replaced the dataset, what varies
between seeds (and whether the validation split does), and how the report spends its
5% error budget per kind of claim.

1. Best configuration: the best mean of the ranking metric (``[report] rank_by``),
   with an interval that holds although the seeds selected it, the configurations
   seed noise cannot tell apart from it (Hsu's MCB), the `trainlab confirm` command
   that measures them on fresh seeds, and that confirmation when it has run.
2. What matters: per sub-grid, each axis's verdict from its F-test (Holm over the
   study's axes), each level's effect with a 95% interval over seeds, and a table of
   its configurations (the kept model's metrics, the last epoch's beside them when
   early stopping kept another one); then the configurations whose seed spread is
   far from the others'.
3. The study's questions, each with the measured difference and a verdict; the
   smallest margin and the seeds that would decide an inconclusive one.
4. Most surprising observation: a sign reversal (or interaction) of a pair of axes
   whose interaction clears the study-wide test, else "nothing surprising".
5. Why: the diagnoses found (trainlab.diagnose), which settings they gather in, and
   how the best configuration's signals (update sizes, dead units, gradient norm)
   compare with the study's.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from trainlab.diagnose import RULES
from trainlab.report.analysis import (
    CONFIRM_REPEATS,
    GridAnalysis,
    Interval,
    Reversal,
    StudyAnalysis,
)
from trainlab.run.metrics import METRICS
from trainlab.run.status import why_it_ended
from trainlab.stats import (
    AXIS_VERDICT_WORDS,
    format_estimate,
    format_plus_minus,
    format_to_noise,
    is_clear,
    t_interval,
)
from trainlab.train.config import EARLY_STOPPING


def write_findings(analysis: StudyAnalysis, out: str | Path = "DIR") -> str:
    """The findings Markdown of a study (`out`: its directory, for the commands shown)."""
    metric = analysis.metric
    n_points = analysis.table["point"].nunique() if not analysis.table.empty else 0
    lines = [f"# Findings: {analysis.name}", ""]
    if analysis.source.warning:
        lines += [f"> **Generated stand-in data.** {analysis.source.warning}", ""]
    lines += [
        f"{_count(len(analysis.table), 'run')}: {_count(n_points, 'configuration')} x "
        f"{_count(len(analysis.seeds), 'seed')} ({', '.join(map(str, analysis.seeds))}). "
        f"Ranked by **{metric.label}** "
        f"(`{metric.name}`, {metric.better} is better): {metric.description} Intervals are "
        "95% t-intervals over seeds; differences between configurations use the seed noise "
        "pooled over all configurations" + _own_noise_words(analysis) + ".",
        "",
        analysis.source.seed_variation,
        "",
    ]
    if analysis.best is None:
        return "\n".join(
            [*lines, "No run finished with a value to rank by.", ""] + _problems(analysis)
        )
    lines += [_error_budget(analysis), ""]
    lines += _best(analysis, out)
    lines += _what_matters(analysis)
    lines += _unequal_noise(analysis)
    lines += _questions(analysis)
    lines += _surprise(analysis)
    lines += _why(analysis)
    lines += _problems(analysis)
    return "\n".join(lines)


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    """A Markdown table's lines: every cell as text, a "|" inside a cell escaped (a bare
    one would end the cell: "mean |weight|")."""

    def line(cells: Sequence[Any]) -> str:
        return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"

    return [line(header), "|" + "---|" * len(header), *(line(row) for row in rows)]


def _own_noise_words(analysis: StudyAnalysis) -> str:
    unstable = analysis.unstable
    if not unstable:
        return ""
    one = len(unstable) == 1
    return (
        f", except {_count(len(unstable), 'configuration')} whose seed spread is far from "
        f"the others' (below): comparisons involving {'it use its' if one else 'them use their'} "
        "own variance (Welch)"
    )


def _error_budget(analysis: StudyAnalysis) -> str:
    """The sentence that says how the report spends its 5% per kind of claim."""
    parts = [
        f'"matters" over the {_count(analysis.axes_tested, "axis")} tested (F-tests, Holm-adjusted)'
    ]
    if analysis.pairs_tested:
        parts.append(
            f"the surprise over the {_count(analysis.pairs_tested, 'pair')} of axes "
            "(interaction F-tests, Holm-adjusted)"
        )
    parts.append("the comparisons with the best over all configurations (Hsu's MCB)")
    questions = (
        " Each question of the spec was written before the runs: it keeps its own 5%, and "
        "its answers along an axis share one."
        if analysis.answers
        else ""
    )
    return (
        "**Error budget**: 5% per kind of claim across the whole report: "
        + "; ".join(parts)
        + "."
        + questions
    )


def _best(analysis: StudyAnalysis, out: str | Path) -> list[str]:
    best = analysis.best
    name = analysis.metric.name
    estimate = best.estimate
    table = best.table
    lines = ["## 1. Best configuration", ""]
    if best.selected_from > 1 and analysis.replicated:
        own = _own_interval(analysis)
        lines += [
            f"**{best.point}**: {name} = "
            f"{format_estimate(estimate.mean, estimate.low, estimate.high)} over "
            f"{_count(estimate.n, 'seed')}: the best of {best.selected_from} by these same "
            f"seeds, so its interval holds for all {best.selected_from} together and covers "
            f"the mean of whichever one the seeds select"
            + (
                f" (its plain t-interval over its own seeds, {own}, ignores the selection)."
                if own
                else "."
            ),
            "",
        ]
    else:
        lines += [
            f"**{best.point}**: {name} = "
            f"{format_estimate(estimate.mean, estimate.low, estimate.high)} over "
            f"{_count(estimate.n, 'seed')}.",
            "",
        ]
    if not analysis.replicated:
        lines.append(
            "With one seed per configuration, nothing can be separated from seed noise: this "
            "ranking may be chance."
        )
        if math.isfinite(analysis.noise_sd_upper):
            gap = abs(float(table["difference"].iloc[1])) if len(table) > 1 else math.nan
            plan = (
                f" Telling it from the runner-up ({table['point'].iloc[1]}, {gap:.3g} apart) "
                f"would take about {analysis.repeats_to_separate} seeds per configuration "
                f"(`repeats = {analysis.repeats_to_separate}`)."
                if analysis.repeats_to_separate
                else ""
            )
            lines.append(
                f" The spread of the runs puts the seed noise at most at sd "
                f"{analysis.noise_sd_upper:.3g} (an upper bound: it includes real effects).{plan}"
            )
        return [*lines, ""]
    others = table[table["verdict"] == "indistinguishable"]["point"].tolist()
    method = (
        f"Hsu's comparison with the best, MCB, simultaneous over the {best.selected_from} "
        "configurations"
    )
    if others:
        lines.append(
            f"Not distinguishable from it by seed noise ({method}): "
            + ", ".join(f"**{p}**" for p in others)
            + ". With 95% confidence the best is among these; more seeds would separate them."
        )
    elif len(table) > 1:
        runner = table.iloc[1]
        lines.append(
            f"Every other configuration is ruled out as the best by the seed noise ({method}); "
            f"the runner-up **{runner['point']}** trails it by "
            f"{_size(runner['difference'], runner['low'], runner['high'])}."
        )
    if analysis.confirm_top:
        lines += ["", _confirm_hint(analysis, out)]
    lines.append("")
    return lines + _confirmation(analysis)


def _confirm_hint(analysis: StudyAnalysis, out: str | Path) -> str:
    """The command that measures the top configurations on seeds that did not select them."""
    if analysis.confirmation is not None:
        return "The top configurations were run again on fresh seeds (below)."
    return (
        f"To measure them free of the selection: `{analysis.confirm_command(out)}` reruns the "
        f"top {analysis.confirm_top} on {CONFIRM_REPEATS} fresh seeds and reports them apart "
        "from the seeds that selected them."
    )


def _own_interval(analysis: StudyAnalysis) -> str:
    runs = analysis.finished
    values = runs.loc[runs["point"] == analysis.best.point, analysis.metric.name]
    e = t_interval(values.to_numpy(float))
    if e.n < 2:
        return ""
    half = (e.high - e.low) / 2
    return f"{format_to_noise(e.low, half)} to {format_to_noise(e.high, half)}"


def _confirmation(analysis: StudyAnalysis) -> list[str]:
    confirmation = analysis.confirmation
    if confirmation is None:
        return []
    seeds = ", ".join(map(str, confirmation.seeds))
    rows = [
        [r.point, format_to_noise(r.selected, (r.high - r.low) / 2),
         format_estimate(r.mean, r.low, r.high), r.n]
        for r in confirmation.table.itertuples()
    ]  # fmt: skip
    lines = [
        "### Confirmation on fresh seeds",
        "",
        f"`trainlab confirm` ran the top configurations again on seeds {seeds}, which "
        "selected nothing: their means there are free of the winner's curse.",
        "",
        *markdown_table(
            [
                "configuration",
                "mean over the study's seeds",
                "mean over fresh seeds (95%)",
                "fresh seeds",
            ],
            rows,
        ),  # fmt: skip
        "",
    ]
    best = confirmation.best
    if best is not None and best.selected_from > 1 and best.noise.df > 0:
        tied = [p for p in best.members if p != best.point]
        lines.append(
            f"On the fresh seeds the best is **{best.point}**"
            + (
                f"; not distinguishable from it: {', '.join(f'**{p}**' for p in tied)}."
                if tied
                else ", and every other confirmed configuration is ruled out as the best."
            )
        )
        lines.append("")
    return lines


def _what_matters(analysis: StudyAnalysis) -> list[str]:
    if not analysis.grids:
        return []
    lines = [
        "## 2. What matters",
        "",
        f"Effect of each level on {analysis.metric.name}: the mean over the configurations at "
        "that level minus the mean over all configurations of its sub-grid, with a 95% interval "
        "from seed noise (simultaneous over the axis's levels). An axis matters when its "
        f"F-test, Holm-adjusted over the study's {_count(analysis.axes_tested, 'axis')}, "
        "is below 5%; a level is clear only when its axis matters and its interval excludes 0.",
        "",
    ]
    for grid in analysis.grids:
        if len(analysis.grids) > 1:
            lines += [f"### Sub-grid {grid.index + 1}: {', '.join(grid.axes)}", ""]
        lines += _grid_lines(grid)
        lines += _configuration_table(analysis.finished, grid)
    return lines


def _configuration_table(runs: pd.DataFrame, grid: GridAnalysis) -> list[str]:
    """The sub-grid's configurations: mean ± 95% half-width over seeds of what seed 001's
    tables show (the kept model's losses and accuracies, the kept epoch and the last
    epoch's metrics when they differ, the first layer's mean |weight|)."""
    members = runs.dropna(subset=grid.axes, how="any")
    if members.empty:
        return []
    kept = ["train_loss", "val_loss", "train_acc", "val_acc"]
    early_stopped = "kept_by" in members and members["kept_by"].isin(EARLY_STOPPING[1:]).any()
    columns = (["kept_epoch"] if early_stopped else []) + kept
    if early_stopped:
        columns += [f"final_{m}" for m in kept]
    columns += ["first_layer_mean_abs_weight"]
    columns = [c for c in columns if c in members and members[c].notna().any()]
    header = [*grid.axes, "seeds", *(METRICS[c].label for c in columns)]
    rows = []
    for _, group in members.groupby(grid.axes, sort=False):
        cells = [str(group[a].iloc[0]) for a in grid.axes] + [str(len(group))]
        for column in columns:
            values = group[column].dropna().to_numpy(float)
            if column == "kept_epoch":  # epochs: the values themselves, not a mean
                cells.append(", ".join(str(int(v)) for v in values))
                continue
            est = t_interval(values)
            cells.append(format_plus_minus(est.mean, est.low, est.high))
        rows.append(cells)
    note = (
        "Early stopping restored the weights of the kept epoch (keep_best: after training "
        "all epochs; patience: once the validation loss had not improved for "
        "train.patience epochs); the last epoch's metrics follow."
        if early_stopped
        else "Metrics of the model after the last epoch."
    )
    return [*markdown_table(header, rows), "", f"Mean ± 95% half-width over seeds. {note}", ""]


def _grid_lines(grid: GridAnalysis) -> list[str]:
    lines = []
    tests = grid.tests.set_index("axis")
    for axis in grid.axes:
        verdict = grid.verdicts.get(axis, "unknown")
        lines.append(f"- **{axis}**: {AXIS_VERDICT_WORDS[verdict]}.{_test_words(tests, axis)}")
        rows = grid.effects[grid.effects["axis"] == axis]
        for row in rows.itertuples():
            if is_clear(row.distinguishable):
                direction = "raises" if row.effect > 0 else "lowers"
                lines.append(
                    f"  - {axis}={row.level} {direction} it by "
                    f"{_size(row.effect, row.low, row.high)}."
                )
    rows = [
        [row.axis, row.level, format_to_noise(row.mean, (row.high - row.low) / 2),
         format_estimate(row.effect, row.low, row.high),
         {True: "yes", False: "no"}.get(row.distinguishable, "unknown")]
        for row in grid.effects.itertuples()
    ]  # fmt: skip
    header = ["axis", "level", "mean", "effect (95% interval)", "clear"]
    return [*lines, "", *markdown_table(header, rows), ""]


def _test_words(tests: pd.DataFrame, axis: str) -> str:
    """ " F = 25 on 1 and 8 df, p = 0.001; Holm-adjusted: 0.002.", "" without a test."""
    if axis not in tests.index or pd.isna(tests.loc[axis, "p"]):
        return ""
    t = tests.loc[axis]
    return (
        f" F = {t['statistic']:.3g} on {int(t['df_effect'])} and {t['df_noise']:.3g} df, "
        f"{_p_is(t['p'])}; Holm-adjusted: {_p(t['p_adjusted'])}."
    )


def _unequal_noise(analysis: StudyAnalysis) -> list[str]:
    check = analysis.noise
    if check is None or not len(check.table):
        return []
    flagged = check.table[check.table["flagged"]]
    how = (
        f"the F-test of each one's variance against the rest's, Holm over "
        f"{_count(len(check.table), 'configuration')} with half of the 5%; the best, whose "
        "spread decides every comparison with it, also alone with the other half"
    )
    if flagged.empty:
        return [
            f"No configuration's seed spread differs from the others' beyond chance ({how}): "
            "one pooled seed noise serves every comparison.",
            "",
        ]
    lines = ["### Unequal seed noise", ""]
    for row in flagged.itertuples():
        alone = "; the best, tested alone" if row.alone else ""
        lines.append(
            f"- **{row.point}**: seed sd {row.sd:.3g} over {row.n} seeds, {row.ratio:.2g} times "
            f"the others' pooled sd {row.others_sd:.3g} (F-test {_p_is(row.p)}; adjusted "
            f"{_p(row.p_adjusted)}{alone})."
        )
    lines += [
        "",
        f"Tested by {how}. Comparisons that involve these configurations use their own "
        "variance (Welch degrees of freedom) instead of the pooled one, and the pooled noise "
        "leaves them out. Look at their runs: an unstable configuration often diverges on "
        "some seeds.",
        "",
    ]
    return lines


def _questions(analysis: StudyAnalysis) -> list[str]:
    if not analysis.answers:
        return []
    lines = [
        "## 3. Questions",
        "",
        "Questions written in the spec are pre-registered: each keeps its own 5% error rate. "
        "The answers of one question along an axis share it: their intervals are "
        'simultaneous over its levels. "differs": the 95% interval excludes 0; '
        '"equivalent": the 90% interval (two one-sided tests at 5%) lies within the margin.',
        "",
    ]
    seen: set[str] = set()
    for ans in analysis.answers:
        q = ans.question
        if q.text not in seen:
            seen.add(q.text)
            margin = f" (equivalent within +-{q.margin:g})" if q.margin is not None else ""
            family = (
                f"; intervals simultaneous over the {ans.family} levels of {q.along}"
                if ans.family > 1
                else ""
            )
            if len(seen) > 1:
                lines.append("")
            lines += [f"### {q.text}", "", f"{q.a.label()} minus {q.b.label()}, on {q.metric}"
                      f"{margin}{family}:", ""]  # fmt: skip
        c = ans.comparison
        where = f"at {q.along}={ans.level}: " if ans.level is not None else ""
        estimate = (
            f"{format_estimate(c.difference, c.low, c.high)}: "
            if math.isfinite(c.difference)
            else ""
        )
        lines.append(f"- {where}{estimate}**{c.verdict}**{f'. {c.note}' if c.note else ''}")
    return [*lines, ""]


def _surprise(analysis: StudyAnalysis) -> list[str]:
    lines = ["## 4. Most surprising observation", ""]
    s = analysis.surprise
    name = analysis.metric.name
    if s is None:
        return [*lines, f"Nothing surprising was found: {_no_surprise(analysis)}", ""]
    test = (
        f"The interaction of the two axes clears the noise (F-test, Holm-adjusted over the "
        f"study's {_count(s.pairs, 'pair')} of axes: {_p_is(s.p_adjusted)}); the intervals "
        "hold together over every cell the surprise was picked from."
    )
    if isinstance(s, Reversal):
        direction, opposite = ("raises", "lowers") if s.main.estimate > 0 else ("lowers", "raises")
        return [
            *lines,
            f"On average {s.axis}={s.level} {direction} {name} by {_interval_size(s.main)}, but "
            f"with {s.within_axis}={s.within_level} it {opposite} it by "
            f"{_interval_size(s.within)}: a sign reversal beyond the seed noise. {test}",
            "",
        ]
    direction = "higher" if s.effect.estimate > 0 else "lower"
    return [
        *lines,
        f"{s.axis_a} x {s.axis_b}: at {s.axis_a}={s.level_a}, {s.axis_b}={s.level_b} the "
        f"{name} is {_interval_size(s.effect)} {direction} than the two main effects predict "
        f"(an interaction beyond the seed noise). {test}",
        "",
    ]


def _no_surprise(analysis: StudyAnalysis) -> str:
    if not analysis.replicated:
        return "with one seed per configuration no effect can be told from noise."
    if not analysis.pairs_tested:
        return "no sub-grid varies two axes together, so no effect can depend on another axis."
    return (
        f"no pair of axes interacts beyond the seed noise (interaction F-tests, Holm-adjusted "
        f"over the {_count(analysis.pairs_tested, 'pair')} of axes), so no effect reverses "
        "its sign within a level of another axis."
    )


SIGNALS = ("update_ratio_median", "dead_frac_late", "grad_norm_final")  # what "why" compares


def _why(analysis: StudyAnalysis) -> list[str]:
    """The diagnoses per kind and where they gather, and the best configuration's signals."""
    table = analysis.table
    lines = ["## 5. Why: diagnoses and signals", ""]
    names = (
        table["diagnoses"].fillna("").astype(str).str.split(", ") if "diagnoses" in table else None
    )
    counts: dict[str, list[int]] = {}
    if names is not None:
        for row, found in names.items():
            for name in filter(None, found):
                counts.setdefault(name, []).append(row)
    if not counts:
        lines += ["No run has a diagnosis: no divergence, exploding or vanishing gradients, "
                  "dead or saturated units, learning rate too high or too low, overfitting or "
                  "unfinished learning was found (`trainlab diagnose RUN_DIR` shows one run's "
                  "checks).", ""]  # fmt: skip
    for name, rows in sorted(counts.items(), key=lambda kv: -len(kv[1])):
        summary = RULES[name].summary if name in RULES else name
        where = _where_they_gather(table, rows, analysis.axes)
        lines.append(f"- **{name}** ({summary}): {len(rows)} of {len(table)} runs{where}.")
    best = analysis.best.point
    best_runs = table[table["point"] == best]
    best_found = sorted({n for r in best_runs.index for n in _names_of(names, r)}) if counts else []
    lines += [
        "",
        f"The best configuration, **{best}**, has "
        + (f"these diagnoses: {', '.join(best_found)}." if best_found else "no diagnosis."),
    ]
    lines += _signal_comparison(analysis, best_runs)
    return [*lines, ""]


def _names_of(names: pd.Series, row: int) -> list[str]:
    return [n for n in names.get(row, []) if n]


def _where_they_gather(table: pd.DataFrame, rows: list[int], axes: list[str]) -> str:
    """The levels over-represented among `rows`: shared by at least 80 % of them and at
    most half of all runs, e.g. " (10 of 12 at init=uniform)"."""
    picked = table.loc[rows]
    notes = []
    for axis in axes:
        if axis not in picked:
            continue
        counts = picked[axis].dropna().astype(str).value_counts()
        if counts.empty:
            continue
        level, n = counts.index[0], int(counts.iloc[0])
        overall = (table[axis].astype(str) == level).mean()
        if n >= 0.8 * len(picked) and overall <= 0.5 and len(picked) > 1:
            notes.append(f"{n} of {len(picked)} at {axis}={level}")
    return f" ({'; '.join(notes)})" if notes else ""


def _signal_comparison(analysis: StudyAnalysis, best_runs: pd.DataFrame) -> list[str]:
    """The best configuration's signals next to the median configuration's."""
    ok = analysis.finished
    if ok["point"].nunique() < 2:
        return []  # no other configuration to hold them against
    rows = []
    for column in SIGNALS:
        if column not in ok or not ok[column].notna().any():
            continue
        per_point = ok.groupby("point")[column].mean()
        mine = t_interval(best_runs[column].dropna().to_numpy(float))
        cell = format_plus_minus(mine.mean, mine.low, mine.high)
        rows.append([METRICS[column].label, cell, f"{per_point.median():.3g}"])
    if not rows:
        return []
    return [
        "",
        "Its signals against the median configuration's (`" + "`, `".join(SIGNALS) + "`; "
        "see the glossary):",
        "",
        *markdown_table(["signal", "best configuration", "median configuration"], rows),
    ]


def _problems(analysis: StudyAnalysis) -> list[str]:
    bad = analysis.problems
    if bad.empty:
        return []
    lines = ["## Runs that did not finish normally", ""]
    for row in bad.itertuples():
        detail = why_it_ended(row._asdict())
        lines.append(f"- {row.run}: {row.status}{f' ({detail})' if detail else ''}")
    return [*lines, ""]


def _count(n: int, noun: str) -> str:
    """ "1 seed", "3 seeds", "2 axes"."""
    return f"{n} {noun if n == 1 else PLURALS.get(noun, noun + 's')}"


PLURALS = {"axis": "axes"}


def _size(value: float, low: float, high: float) -> str:
    """The magnitude of a signed estimate with its interval, e.g. "0.031 (0.012 to 0.050)"."""
    return format_estimate(abs(value), *sorted((abs(low), abs(high))))


def _interval_size(interval: Interval) -> str:
    return _size(interval.estimate, interval.low, interval.high)


def _p(p: float) -> str:
    """A p-value in two significant digits, "< 0.0001" below that."""
    return "< 0.0001" if p < 1e-4 else f"{p:.2g}"


def _p_is(p: float) -> str:
    """ "p = 0.03", "p < 0.0001"."""
    text = _p(p)
    return f"p {text}" if text.startswith("<") else f"p = {text}"
