"""Findings of a study as Markdown, rendered from its `StudyAnalysis`.

1. Best configuration: the best mean of the ranking metric (``[report] rank_by``),
   with the configurations seed noise cannot tell apart from it.
2. What matters: per sub-grid, each axis's effect with a 95% interval over seeds,
   or "not distinguishable from seed noise", and a table of its configurations
   (the kept model's metrics, the last epoch's beside them when early stopping
   kept another one).
3. The study's questions, each with the measured difference and a verdict.
4. Most surprising observation: a sign reversal (or interaction) that clears the
   noise, else "nothing surprising".
5. Why: the diagnoses found (trainlab.diagnose), which settings they gather in, and
   how the best configuration's signals (update sizes, dead units, gradient norm)
   compare with the study's.
"""

from __future__ import annotations

import math

import pandas as pd

from trainlab.diagnose import RULES
from trainlab.report.analysis import GridAnalysis, StudyAnalysis
from trainlab.run.metrics import METRICS
from trainlab.run.status import why_it_ended
from trainlab.stats import (
    AXIS_VERDICT_WORDS,
    format_estimate,
    format_plus_minus,
    format_to_noise,
    t_interval,
)
from trainlab.train.config import EARLY_STOPPING


def write_findings(analysis: StudyAnalysis) -> str:
    """The findings Markdown of a study."""
    metric = analysis.metric
    n_points = analysis.table["point"].nunique() if not analysis.table.empty else 0
    lines = [f"# Findings: {analysis.name}", ""]
    lines += [
        f"{_count(len(analysis.table), 'run')}: {_count(n_points, 'configuration')} x "
        f"{_count(len(analysis.seeds), 'seed')} ({', '.join(map(str, analysis.seeds))}). "
        f"Ranked by **{metric.label}** "
        f"(`{metric.name}`, {metric.better} is better): {metric.description} Intervals are "
        "95% t-intervals over seeds; differences between configurations use the seed noise "
        "pooled over all configurations.",
        "",
    ]
    if analysis.best is None:
        return "\n".join(
            [*lines, "No run finished with a value to rank by.", ""] + _problems(analysis)
        )
    lines += _best(analysis)
    lines += _what_matters(analysis)
    lines += _questions(analysis)
    lines += _surprise(analysis)
    lines += _why(analysis)
    lines += _problems(analysis)
    return "\n".join(lines)


def _best(analysis: StudyAnalysis) -> list[str]:
    best = analysis.best
    name = analysis.metric.name
    estimate = best.estimate
    lines = [
        "## 1. Best configuration",
        "",
        f"**{best.point}**: {name} = {format_estimate(estimate.mean, estimate.low, estimate.high)}"
        f" over {_count(estimate.n, 'seed')}.",
        "",
    ]
    table = best.table
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
    if others:
        lines.append(
            f"Not distinguishable from it by seed noise ({len(others)}): "
            + ", ".join(f"**{p}**" for p in others)
            + ". Any of these may be the best; more seeds would separate them."
        )
    else:
        runner = table.iloc[1] if len(table) > 1 else None
        if runner is not None:
            lines.append(
                f"Every other configuration is worse beyond the seed noise; the runner-up "
                f"**{runner['point']}** by "
                f"{_size(runner['difference'], runner['low'], runner['high'])}."
            )
    return [*lines, ""]


def _what_matters(analysis: StudyAnalysis) -> list[str]:
    if not analysis.grids:
        return []
    lines = [
        "## 2. What matters",
        "",
        f"Effect of each level on {analysis.metric.name}: the mean over the configurations at "
        "that level minus the mean over all configurations of its sub-grid, with a 95% interval "
        "from seed noise (simultaneous over the axis's levels).",
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
    # a "|" inside a cell would end it in Markdown ("mean |weight|")
    header = [*grid.axes, "seeds", *(METRICS[c].label.replace("|", "\\|") for c in columns)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for _, group in members.groupby(grid.axes, sort=False):
        cells = [str(group[a].iloc[0]) for a in grid.axes] + [str(len(group))]
        for column in columns:
            values = group[column].dropna().to_numpy(float)
            if column == "kept_epoch":  # epochs: the values themselves, not a mean
                cells.append(", ".join(str(int(v)) for v in values))
                continue
            est = t_interval(values)
            cells.append(format_plus_minus(est.mean, est.low, est.high))
        lines.append("| " + " | ".join(cells) + " |")
    note = (
        "Early stopping restored the weights of the kept epoch (keep_best: after training "
        "all epochs; patience: once the validation loss had not improved for "
        "train.patience epochs); the last epoch's metrics follow."
        if early_stopped
        else "Metrics of the model after the last epoch."
    )
    return [*lines, "", f"Mean ± 95% half-width over seeds. {note}", ""]


def _grid_lines(grid: GridAnalysis) -> list[str]:
    lines = []
    for axis in grid.axes:
        verdict = grid.verdicts.get(axis, "unknown")
        lines.append(f"- **{axis}**: {AXIS_VERDICT_WORDS[verdict]}.")
        rows = grid.effects[grid.effects["axis"] == axis]
        clear = rows[rows["distinguishable"] == True]  # noqa: E712 - a nullable boolean column
        for row in clear.itertuples():
            direction = "raises" if row.effect > 0 else "lowers"
            lines.append(
                f"  - {axis}={row.level} {direction} it by {_size(row.effect, row.low, row.high)}."
            )
    lines += [
        "",
        "| axis | level | mean | effect (95% interval) | clear |",
        "|---|---|---|---|---|",
    ]
    for row in grid.effects.itertuples():
        clear = {True: "yes", False: "no"}.get(row.distinguishable, "unknown")
        lines.append(
            f"| {row.axis} | {row.level} | "
            f"{format_to_noise(row.mean, (row.high - row.low) / 2)} | "
            f"{format_estimate(row.effect, row.low, row.high)} | {clear} |"
        )
    return [*lines, ""]


def _questions(analysis: StudyAnalysis) -> list[str]:
    if not analysis.answers:
        return []
    lines = ["## 3. Questions", ""]
    seen: set[str] = set()
    for ans in analysis.answers:
        q = ans.question
        if q.text not in seen:
            seen.add(q.text)
            margin = f" (equivalent within +-{q.margin:g})" if q.margin is not None else ""
            if len(seen) > 1:
                lines.append("")
            lines += [f"### {q.text}", "", f"{q.a.label()} minus {q.b.label()}, on {q.metric}"
                      f"{margin}:", ""]  # fmt: skip
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
    if s is None:
        reason = (
            "no effect reverses its sign within a level of another axis beyond the seed noise, "
            "and no interaction clears it."
            if analysis.replicated
            else "with one seed per configuration no effect can be told from noise."
        )
        return [*lines, f"Nothing surprising was found: {reason}", ""]
    if s["kind"] == "reversal":
        direction = "raises" if s["main_effect"] > 0 else "lowers"
        opposite = "lowers" if s["main_effect"] > 0 else "raises"
        return [
            *lines,
            f"On average {s['axis']}={s['level']} {direction} {analysis.metric.name} by "
            f"{_size(s['main_effect'], s['main_low'], s['main_high'])}, but with "
            f"{s['within_axis']}={s['within_level']} it {opposite} it by "
            f"{_size(s['effect'], s['low'], s['high'])}: a sign reversal beyond the seed noise.",
            "",
        ]
    direction = "higher" if s["interaction"] > 0 else "lower"
    return [
        *lines,
        f"{s['axis_a']} x {s['axis_b']}: at {s['axis_a']}={s['level_a']}, "
        f"{s['axis_b']}={s['level_b']} the {analysis.metric.name} is "
        f"{_size(s['interaction'], s['low'], s['high'])} {direction} than the two main "
        "effects predict (an interaction beyond the seed noise).",
        "",
    ]


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
        rows.append(f"| {METRICS[column].label} | {cell} | {per_point.median():.3g} |")
    if not rows:
        return []
    return [
        "",
        "Its signals against the median configuration's (`" + "`, `".join(SIGNALS) + "`; "
        "see the glossary):",
        "",
        "| signal | best configuration | median configuration |",
        "|---|---|---|",
        *rows,
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
    """ "1 seed", "3 seeds"."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _size(value: float, low: float, high: float) -> str:
    """The magnitude of a signed estimate with its interval, e.g. "0.031 (0.012 to 0.050)"."""
    return format_estimate(abs(value), *sorted((abs(low), abs(high))))
