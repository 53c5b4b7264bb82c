"""A question's answer: the difference between its two sides with its interval."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

VERDICT_COLORS = {"differs": "tab:red", "equivalent": "tab:green", "inconclusive": "tab:gray"}


def question_figure(answers: Sequence[Any]) -> Figure:
    """Side a minus side b, one row per answer (per level of the question's `along` axis).

    Args:
        answers: ``trainlab.report.answers.Answer`` objects of one question (read through
            ``.question`` (text, metric, a, b, along, margin), ``.level`` and
            ``.comparison`` (difference, low, high, verdict, and tost_low and tost_high,
            the interval the equivalence test reads, drawn wide and pale with a margin)).
    """
    question = answers[0].question
    rows = len(answers)
    tost_label = "interval the equivalence test reads (two one-sided tests)"
    fig = Figure(figsize=(6.4, 1.5 + 0.45 * rows), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    y = np.arange(rows)[::-1]
    for yi, ans in zip(y, answers, strict=True):
        c = ans.comparison
        color = VERDICT_COLORS.get(c.verdict, "black")
        if np.isfinite(c.low) and np.isfinite(c.high):
            ax.plot([c.low, c.high], [yi, yi], color=color, linewidth=2.5)
        if question.margin is not None and np.isfinite(c.tost_low) and np.isfinite(c.tost_high):
            # the interval the equivalence test reads (1 - 2 alpha), under the other
            ax.plot([c.tost_low, c.tost_high], [yi, yi], color=color, linewidth=7, alpha=0.3,
                    solid_capstyle="butt", label=tost_label if yi == y[0] else None)  # fmt: skip
        ax.plot([c.difference], [yi], "o", color=color)
        ax.annotate(c.verdict, (c.difference, yi), xytext=(0, 7), textcoords="offset points",
                    ha="center", fontsize=8, color=color)  # fmt: skip
    ax.axvline(0.0, color="black", linewidth=0.8)
    if question.margin is not None:
        ax.axvspan(-question.margin, question.margin, color="tab:green", alpha=0.12,
                   label=f"equivalence margin +-{question.margin:g}")  # fmt: skip
        fig.legend(fontsize=8, loc="outside lower center", ncols=2)  # below: bars stay clear
    labels = [f"{question.along}={a.level}" if a.level is not None else "all" for a in answers]
    ax.set_yticks(y, labels)
    ax.set_ylim(-0.8, rows - 0.2)
    ax.set_xlabel(f"{question.a.label()} minus {question.b.label()}  ({question.metric})")
    ax.set_title(question.text, fontsize=10, wrap=True)
    ax.grid(alpha=0.3, axis="x")
    return fig
