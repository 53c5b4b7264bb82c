"""Findings drawn from a results table, by stated rules, as Markdown.

1. Best learning progress: the lowest area under the per-batch validation-loss
   curve (``val_loss_auc``: the mean validation loss over all batches, so a run
   that gets low early and stays low wins), ties broken by the final validation
   loss. The evidence: its margin over the runner-up and the median run, and the
   levels shared by the top runs.
2. Most surprising observation: the largest effect whose sign within one level of
   another axis is opposite to its main effect (a sign reversal); when none
   exists, the strongest two-way interaction.
"""

from __future__ import annotations

import pandas as pd

from trainlab.sweep.results import factor_effects, finished_runs, interactions, sign_reversals

PROGRESS_METRIC = "val_loss_auc"
FINAL_METRIC = "final_val_loss"


def write_findings(table: pd.DataFrame, axes: list[str], *, title: str) -> str:
    """Markdown with the two findings, the factor effects and any failed runs."""
    lines = [f"# Findings: {title}", ""]
    ok = finished_runs(table, PROGRESS_METRIC)
    n_total = len(table)
    lines += [f"{len(ok)} of {n_total} runs finished with a validation-loss curve.", ""]
    if ok.empty:
        return "\n".join([*lines, "No finished run to draw findings from.", ""])
    lines += _best_progress(ok, axes)
    if axes:
        lines += _surprise(table, axes)
        lines += _effects_section(table, axes)
    lines += _problems(table)
    return "\n".join(lines)


def _best_progress(ok: pd.DataFrame, axes: list[str]) -> list[str]:
    ranked = ok.sort_values([PROGRESS_METRIC, FINAL_METRIC], ignore_index=True)
    best = ranked.iloc[0]
    median = ranked[PROGRESS_METRIC].median()
    lines = [
        "## 1. Best learning progress",
        "",
        f"Rule: lowest mean validation loss over all batches ({PROGRESS_METRIC}, the area "
        "under the per-batch validation-loss curve divided by its length), ties broken by "
        "the final validation loss.",
        "",
        f"**{best['run']}**: {PROGRESS_METRIC} = {best[PROGRESS_METRIC]:.4f}, final validation "
        f"loss = {best[FINAL_METRIC]:.4f}, final validation accuracy = "
        f"{best.get('final_val_acc', float('nan')):.3f}.",
        "",
        f"- Median run: {PROGRESS_METRIC} = {median:.4f} "
        f"({(median - best[PROGRESS_METRIC]) / median:.1%} higher than the best).",
    ]
    if len(ranked) > 1:
        second = ranked.iloc[1]
        lines.append(
            f"- Runner-up **{second['run']}**: {second[PROGRESS_METRIC]:.4f} "
            f"(+{second[PROGRESS_METRIC] - best[PROGRESS_METRIC]:.4f})."
        )
    top = ranked.head(max(3, len(ranked) // 10))
    for axis in axes:
        counts = top[axis].astype(str).value_counts()
        if len(top) > 1 and counts.iloc[0] >= 0.6 * len(top):
            lines.append(
                f"- {counts.iloc[0]} of the top {len(top)} runs have {axis}={counts.index[0]}."
            )
    return [*lines, ""]


def _surprise(table: pd.DataFrame, axes: list[str]) -> list[str]:
    lines = ["## 2. Most surprising observation", ""]
    reversals = sign_reversals(table, axes, FINAL_METRIC)
    if not reversals.empty:
        r = reversals.iloc[0]
        direction = "raises" if r["main_effect"] > 0 else "lowers"
        opposite = "lowers" if r["main_effect"] > 0 else "raises"
        lines += [
            "Rule: the largest effect whose sign within one level of another axis is opposite "
            f"to its main effect (on {FINAL_METRIC}).",
            "",
            f"On average {r['axis']}={r['level']} {direction} the final validation loss by "
            f"{abs(r['main_effect']):.4f}, but with {r['within_axis']}={r['within_level']} it "
            f"{opposite} it by {abs(r['effect']):.4f}.",
            "",
        ]
        return lines
    pairs = interactions(table, axes, FINAL_METRIC)
    if pairs.empty:
        return [*lines, "Only one axis varies: no interaction to report.", ""]
    p = pairs.iloc[0]
    return [
        *lines,
        f"Rule: no effect reverses its sign, so the strongest two-way interaction on "
        f"{FINAL_METRIC} is reported.",
        "",
        f"{p['axis_a']} x {p['axis_b']}: at {p['axis_a']}={p['level_a']}, "
        f"{p['axis_b']}={p['level_b']} the final validation loss is {p['strength']:.4f} away "
        "from what the two main effects predict.",
        "",
    ]


def _effects_section(table: pd.DataFrame, axes: list[str]) -> list[str]:
    effects = factor_effects(table, axes, FINAL_METRIC)
    lines = [
        "## Factor effects",
        "",
        f"Mean (std) of {FINAL_METRIC} per level over all other axes.",
        "",
        "| axis | level | mean | std | n |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {e.axis} | {e.level} | {e.mean:.4f} | {e.std:.4f} | {e.n} |"
        for e in effects.itertuples()
    ]
    pairs = interactions(table, axes, FINAL_METRIC)
    if not pairs.empty:
        p = pairs.iloc[0]
        lines += [
            "",
            f"Largest two-way interaction: {p['axis_a']} x {p['axis_b']} "
            f"(strength {p['strength']:.4f} at {p['axis_a']}={p['level_a']}, "
            f"{p['axis_b']}={p['level_b']}).",
        ]
    return [*lines, ""]


def _problems(table: pd.DataFrame) -> list[str]:
    bad = table[~table["status"].isin(["completed", "stopped"])]
    if bad.empty:
        return []
    lines = ["## Runs that did not finish normally", ""]
    for row in bad.itertuples():
        error = getattr(row, "error", "") or ""
        lines.append(f"- {row.run}: {row.status}{f' ({error})' if error else ''}")
    return [*lines, ""]
