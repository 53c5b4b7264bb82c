"""Toy results tables and study indexes with known structure, for the report's tests."""

import itertools

import numpy as np
import pandas as pd
import pytest


def toy_runs(*, seeds=(0, 1, 2), noise=0.01, interaction=False, seed=0) -> pd.DataFrame:
    """a adds 0/1, b adds 0/2, c adds nothing; a=1 with b=1 subtracts 4 with `interaction`.

    Each point runs once per seed with Gaussian seed noise of sd `noise`.
    """
    rng = np.random.default_rng(seed)
    rows = []
    for a, b, c in itertools.product(["0", "1"], ["0", "1"], ["x", "y"]):
        base = 1.0 + int(a) + 2 * int(b) - (4 if interaction and a == b == "1" else 0)
        point = f"a={a}_b={b}_c={c}"
        for s in seeds:
            loss = base + noise * rng.standard_normal()
            rows.append(
                {"run": f"{point}_seed={s}", "point": point, "seed": s, "a": a, "b": b, "c": c,
                 "val_loss": loss, "val_acc": 0.5, "status": "completed", "grids": "0"}
            )  # fmt: skip
    return pd.DataFrame(rows)


def toy_index(axes=("a", "b", "c"), seeds=(0, 1, 2), grids=None, questions=()) -> dict:
    """A study index (study.json) of `axes`, ranked by val_loss."""
    return {"name": "toy", "axes": {a: [] for a in axes}, "seeds": list(seeds),
            "grids": grids or [list(axes)], "report": {"rank_by": "val_loss"},
            "questions": list(questions)}  # fmt: skip


def question(along=None, margin=None, a=("a", "1"), b=("a", "0")) -> dict:
    """A [[question]] of side a minus side b on val_loss, as study.json holds it."""
    return {"text": "a?", "metric": "val_loss", "along": along, "margin": margin,
            "a": {"levels": {a[0]: a[1]}, "run": None, "metric": None},
            "b": {"levels": {b[0]: b[1]}, "run": None, "metric": None}}  # fmt: skip


@pytest.fixture
def toy():
    """The toy table and index builders: runs(...), index(...), question(...)."""

    class Toy:
        runs = staticmethod(toy_runs)
        index = staticmethod(toy_index)
        question = staticmethod(question)

    return Toy
