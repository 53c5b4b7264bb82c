"""How often the findings claim something false, and how often they find what is there.

Simulates results tables of several shapes: a 2 x 2 grid, a 3^4 grid of 81
configurations, and one 84-configuration grid like the regularization study's
(init 2 x standardization 2 x regularizer 7 x batch norm 3), each with 2 to 5 seeds,
with and without `[[question]]`s (one asked `along` an axis), and one 3^4 study where
one configuration has 5 times the others' seed noise. Each table goes through
`trainlab.report.analyze`, the analysis the findings, the report and the terminal
print, and each kind of claim is counted:

- null: every configuration from the same distribution (N(0, 1) per run): every
  "matters", surprise, "differs" and flag is false, and so is ruling out a
  configuration as the best (each is, tied, a best);
- main: the first axis moves the metric by one seed sd per level step (0, 1, 2 sd);
  the other axes do nothing, so claims about them stay false;
- interaction (2 x 2 and 3^4 at 3 seeds): the first axis's one-sd steps reverse
  their sign at the last level of the second axis: the surprise's power.

The questions, where a scenario has them: Q1 first-axis level 1 minus level 0 with
margin = 1 sd (under "main" its true difference is the margin itself: "equivalent"
is then false), Q2 second axis's last level minus its first (no effect in any
hypothesis), Q3 = Q1 along the last axis (one answer per level, one family).

Every rate comes with its simulation standard error sqrt(p (1 - p) / n); each
scenario runs batches of studies until the error of every rate with a goal (a false
claim, a power, a coverage) is at most --max-error (at least --studies studies, at
most --most). Rates "uncorrected" are what the same tests say without the study-wide
correction (each at its own 5%), for comparison; they print their own error.

Run: ``python benchmarks/false_claims.py [--studies 500] [--max-error 0.01] [--jobs 1]
[--only NAME] [--seed 0]``
(about an hour on one core at the defaults).
"""

from __future__ import annotations

import argparse
import itertools
import math
import time
import zlib
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from trainlab.report.analysis import StudyAnalysis, analyze
from trainlab.stats import t_interval

ALPHA = 0.05
STEP = 1.0  # the effect under "main" and "interaction": one seed sd per level step
NOISY = 5.0  # the seed sd of the unstable configuration, in seed sds of the others
BATCH = 100


@dataclass(frozen=True)
class Scenario:
    """One shape of study: its axes' level counts, seeds, questions, one noisy config."""

    name: str
    levels: dict[str, int]
    seeds: int
    questions: bool = True
    noisy: bool = False
    hypotheses: tuple[str, ...] = ("null", "main")


GRID_2x2 = {"a": 2, "b": 2}
GRID_3x4 = {"a": 3, "b": 3, "c": 3, "d": 3}
GRID_84 = {"init": 2, "standardize": 2, "regularizer": 7, "batch_norm": 3}

SCENARIOS = [
    Scenario("2x2, 2 seeds", GRID_2x2, 2),
    Scenario("2x2, 3 seeds", GRID_2x2, 3, hypotheses=("null", "main", "interaction")),
    Scenario("2x2, 5 seeds", GRID_2x2, 5),
    Scenario("3^4, 2 seeds", GRID_3x4, 2),
    Scenario("3^4, 3 seeds", GRID_3x4, 3, hypotheses=("null", "main", "interaction")),
    Scenario("3^4, 5 seeds", GRID_3x4, 5),
    Scenario("3^4, 3 seeds, no questions", GRID_3x4, 3, questions=False),
    Scenario("84 (seed 000), 3 seeds", GRID_84, 3, questions=False),
    Scenario("3^4, 3 seeds, one config 5x noise", GRID_3x4, 3, noisy=True),
]


def _labels(levels: dict[str, int]) -> dict[str, list[str]]:
    return {axis: [f"{axis}{i}" for i in range(k)] for axis, k in levels.items()}


def _truth(scenario: Scenario, hypothesis: str) -> Callable[[dict[str, int]], float]:
    """The true mean of a configuration (its level indices) under `hypothesis`."""
    first, second = list(scenario.levels)[:2]
    last = scenario.levels[second] - 1

    def mean(index: dict[str, int]) -> float:
        if hypothesis == "main":
            return STEP * index[first]
        if hypothesis == "interaction":
            return STEP * index[first] * (-1.0 if index[second] == last else 1.0)
        return 0.0

    return mean


def _noisy_point(scenario: Scenario) -> str | None:
    """The configuration with 5x the seed noise: level 1 of every axis."""
    if not scenario.noisy:
        return None
    return _name({axis: f"{axis}1" for axis in scenario.levels})


def _name(config: dict[str, str]) -> str:
    return "_".join(f"{axis}={level}" for axis, level in config.items())


def _index(scenario: Scenario) -> dict:
    axes = _labels(scenario.levels)
    names = list(axes)
    first, second, last = names[0], names[1], names[-1]
    questions = []
    if scenario.questions:

        def question(text, a, b, along=None, margin=None):
            return {"text": text, "metric": "val_loss", "along": along, "margin": margin,
                    "a": {"levels": dict([a]), "run": None, "metric": None},
                    "b": {"levels": dict([b]), "run": None, "metric": None}}  # fmt: skip

        questions = [
            question("Q1", (first, f"{first}1"), (first, f"{first}0"), margin=STEP),
            question("Q2", (second, axes[second][-1]), (second, f"{second}0")),
            question("Q3", (first, f"{first}1"), (first, f"{first}0"), along=last),
        ]
    return {
        "name": scenario.name, "axes": axes, "seeds": list(range(scenario.seeds)),
        "grids": [names], "report": {"rank_by": "val_loss"}, "questions": questions,
    }  # fmt: skip


def _table(scenario: Scenario, hypothesis: str, rng: np.random.Generator) -> pd.DataFrame:
    axes = _labels(scenario.levels)
    truth = _truth(scenario, hypothesis)
    noisy = _noisy_point(scenario)
    rows = []
    for combo in itertools.product(*(range(k) for k in scenario.levels.values())):
        index = dict(zip(scenario.levels, combo, strict=True))
        config = {axis: axes[axis][i] for axis, i in index.items()}
        point = _name(config)
        sd = NOISY if point == noisy else 1.0
        for seed in range(scenario.seeds):
            rows.append(
                {"run": f"{point}_seed={seed}", "point": point, "seed": seed, **config,
                 "val_loss": truth(index) + sd * rng.standard_normal(), "status": "completed",
                 "grids": "0"}
            )  # fmt: skip
    return pd.DataFrame(rows)


def _true_means(scenario: Scenario, hypothesis: str) -> dict[str, float]:
    axes = _labels(scenario.levels)
    truth = _truth(scenario, hypothesis)
    return {
        _name({axis: axes[axis][i] for axis, i in zip(scenario.levels, combo, strict=True)}):
            truth(dict(zip(scenario.levels, combo, strict=True)))
        for combo in itertools.product(*(range(k) for k in scenario.levels.values()))
    }  # fmt: skip


@dataclass
class Tally:
    """Per claim: the per-study values (0/1, or a fraction) observed so far."""

    values: dict[str, list[float]] = field(default_factory=dict)

    def add(self, claim: str, value: float) -> None:
        self.values.setdefault(claim, []).append(float(value))

    def rate(self, claim: str) -> tuple[float, float]:
        """The mean and its simulation standard error."""
        x = np.array(self.values[claim])
        return float(x.mean()), float(x.std(ddof=0) / math.sqrt(len(x)))


def _claims(
    scenario: Scenario, hypothesis: str, analysis: StudyAnalysis, table: pd.DataFrame
) -> dict[str, float]:
    """What the study's findings claimed, scored against the truth: name -> 0/1 (or a
    fraction). Names ending in "(false)" should stay <= 5%."""
    first = list(scenario.levels)[0]
    means = _true_means(scenario, hypothesis)
    best_true = min(means.values())
    out: dict[str, float] = {}
    grid = analysis.grids[0]
    effect_axes = {"null": set(), "main": {first}}.get(hypothesis)
    if effect_axes is not None:
        null_axes = [a for a in scenario.levels if a not in effect_axes]
        out["matters, an axis without effect (false)"] = any(
            grid.verdicts[a] == "matters" for a in null_axes
        )
        tests = grid.tests.set_index("axis")
        out["  uncorrected: some raw F-test p < 0.05"] = any(
            tests.loc[a, "p"] < ALPHA for a in null_axes
        )
        if hypothesis == "main":
            out["matters, the axis with 1 sd per step (power)"] = grid.verdicts[first] == "matters"
        out["surprise, no interaction (false)"] = analysis.surprise is not None
        out["  uncorrected: some raw interaction p < 0.05"] = bool(
            (grid.pair_tests["p"] < ALPHA).any()
        )
    else:
        out["surprise, 1 sd steps reversing (power)"] = analysis.surprise is not None
    best = analysis.best
    # Hsu's MCB: with 95% confidence the best is not ruled out. With ties (every
    # configuration under "null") each tied best is, alone, a "best": take the first.
    true_best = next(p for p, m in means.items() if m == best_true)
    out["the true best ruled out as the best (false)"] = true_best not in best.members
    ruled_out = best.table.loc[best.table["verdict"] == "worse", "point"]
    out["  some configuration tied with the best ruled out (MCB allows it)"] = any(
        means[p] == best_true for p in ruled_out
    )
    true_mean = means[best.point]
    e = best.estimate
    out["best's interval covers its true mean (coverage)"] = e.low <= true_mean <= e.high
    runs = table.loc[table["point"] == best.point, "val_loss"]
    plain = t_interval(runs.to_numpy())
    out["  uncorrected: its plain t-interval covers it"] = plain.low <= true_mean <= plain.high
    out.update(_question_claims(scenario, hypothesis, analysis))
    noisy = _noisy_point(scenario)
    flagged = analysis.unstable
    out["unequal noise flagged, none unequal (false)"] = any(p != noisy for p in flagged)
    if noisy is not None:
        out["unequal noise: the 5x configuration flagged (power)"] = noisy in flagged
    return out


def _question_claims(
    scenario: Scenario, hypothesis: str, analysis: StudyAnalysis
) -> dict[str, float]:
    if not scenario.questions or hypothesis == "interaction":
        return {}
    answers: dict[str, list] = {}
    for a in analysis.answers:
        answers.setdefault(a.question.text, []).append(a.comparison)
    (q1,), (q2,), q3 = answers["Q1"], answers["Q2"], answers["Q3"]
    out: dict[str, float] = {"Q2 differs, no difference (false)": q2.verdict == "differs"}
    if hypothesis == "null":
        out["Q1 differs, no difference (false)"] = q1.verdict == "differs"
        out["Q3 along: some answer differs, none does (false)"] = any(
            c.verdict == "differs" for c in q3
        )
        out["Q1 equivalent within 1 sd, no difference (power)"] = q1.verdict == "equivalent"
    else:
        out["Q1 differs by 1 sd (power)"] = q1.verdict == "differs"
        out["Q3 along: answers that differ, each by 1 sd (power)"] = np.mean(
            [c.verdict == "differs" for c in q3]
        )
        out["Q1 equivalent, true difference = the margin (false)"] = q1.verdict == "equivalent"
    return out


def _batch(job: tuple[Scenario, str, int, int]) -> dict[str, list[float]]:
    scenario, hypothesis, seed, n = job
    rng = np.random.default_rng(seed)
    index = _index(scenario)
    tally = Tally()
    for _ in range(n):
        table = _table(scenario, hypothesis, rng)
        for claim, value in _claims(scenario, hypothesis, analyze(table, index), table).items():
            tally.add(claim, value)
    return tally.values


def _run(
    scenario: Scenario, hypothesis: str, args: argparse.Namespace, pool: ProcessPoolExecutor
) -> Tally:
    """Batches of studies until every rate's simulation error is at most args.max_error."""
    tally = Tally()
    done, batch_id = 0, 0
    while True:
        need = max(args.studies - done, 0)
        if need == 0:
            worst = max(
                tally.rate(c)[1] * math.sqrt(done) for c in tally.values if _has_goal(c)
            )  # the largest per-study sd
            need = min(math.ceil((worst / args.max_error) ** 2) - done, args.most - done)
            if need <= 0:
                return tally
        sizes = [BATCH] * (need // BATCH) + ([need % BATCH] if need % BATCH else [])
        jobs = []
        for size in sizes:
            key = f"{scenario.name}/{hypothesis}/{batch_id}"
            seed = zlib.crc32(f"{key}/{args.seed}".encode() if args.seed else key.encode())
            jobs.append((scenario, hypothesis, seed, size))
            batch_id += 1
        for values in pool.map(_batch, jobs):
            for claim, xs in values.items():
                tally.values.setdefault(claim, []).extend(xs)
        done += need


def _has_goal(claim: str) -> bool:
    """Whether a claim's rate has a goal (<= 5% false, a power, >= 95% coverage)."""
    return claim.endswith(("(false)", "(power)", "(coverage)"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studies", type=int, default=500, help="simulated studies, at least")
    parser.add_argument("--most", type=int, default=2500, help="simulated studies, at most")
    parser.add_argument("--max-error", type=float, default=0.01, help="simulation error to reach")
    parser.add_argument("--jobs", type=int, default=1, help="processes")
    parser.add_argument("--only", help="run only the scenarios whose name contains this")
    parser.add_argument("--seed", type=int, default=0, help="another draws other studies")
    args = parser.parse_args()
    scenarios = [s for s in SCENARIOS if not args.only or args.only in s.name]
    rows = []
    with ProcessPoolExecutor(args.jobs) as pool:
        for scenario in scenarios:
            for hypothesis in scenario.hypotheses:
                tic = time.perf_counter()
                tally = _run(scenario, hypothesis, args, pool)
                n = len(next(iter(tally.values.values())))
                print(f"{scenario.name}, {hypothesis}: {n} studies in "
                      f"{time.perf_counter() - tic:.0f} s", flush=True)  # fmt: skip
                for claim in tally.values:
                    rate, error = tally.rate(claim)
                    rows.append((scenario.name, hypothesis, claim, rate, error, n))
                    print(f"  {claim.strip()}: {rate:.3f} +- {error:.3f}", flush=True)
    _print_table(rows)


def _print_table(rows: list[tuple]) -> None:
    print()
    print("| scenario | truth | claim | rate | sim. error | studies |")
    print("|---|---|---|---|---|---|")
    for scenario, hypothesis, claim, rate, error, n in rows:
        print(f"| {scenario} | {hypothesis} | {claim.strip()} | {rate:.3f} | {error:.3f} | {n} |")
    false = [r for r in rows if r[2].endswith("(false)")]
    worst = max(false, key=lambda r: r[3] - 2 * r[4])
    coverage = [r for r in rows if r[2].endswith("(coverage)")]
    lowest = min(coverage, key=lambda r: r[3])
    power = [r for r in rows if r[0] == "3^4, 3 seeds" and r[2].startswith("matters, the axis")]
    print()
    print(f"largest false-claim rate: {worst[3]:.3f} +- {worst[4]:.3f} ({worst[0]}, {worst[1]}: "
          f"{worst[2]})")  # fmt: skip
    print(f"lowest coverage of the best's interval: {lowest[3]:.3f} +- {lowest[4]:.3f} "
          f"({lowest[0]}, {lowest[1]})")  # fmt: skip
    for r in power:
        print(f"power on the 3^4 grid at 3 seeds, 1 sd per step: {r[3]:.3f} +- {r[4]:.3f}")


if __name__ == "__main__":
    main()
