"""What a run is and how it is named: a grid point and seed, its config, its directory name.

Labels of grid levels come from their spec values; names are file-system safe.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from trainlab.run.config import RunConfig


def level_label(value: Any) -> str:
    """The label of a grid level given by its value: ``0.001``, ``on``/``off``, ``128x64``."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, (list, tuple)):
        return "x".join(str(v) for v in value)
    return str(value)


def safe_name(label: str) -> str:
    """`label` with every run of characters other than letters, digits, ``.+-`` as one ``-``."""
    return re.sub(r"[^A-Za-z0-9.+\-]+", "-", label).strip("-") or "_"


def run_name(varied: dict[str, str]) -> str:
    """Stable, file-system safe name from the varied levels, e.g. ``init=he_bn=before``."""
    if not varied:
        return "base"
    return "_".join(f"{axis}={safe_name(label)}" for axis, label in varied.items())


@dataclass(frozen=True)
class Run:
    """One run of a study: a grid point trained with one seed.

    Attributes:
        name: the run directory's name: the point, plus ``_seed=K`` when the study
            has several replicates.
        config: the resolved config (its ``seed`` is the replicate's).
        varied: axis -> level label of the point (for a point several sub-grids
            share, the levels of each of their axes).
        point: the grid point's name, shared by its replicates.
        seed: the replicate's seed.
        grids: indices of the ``[[grid]]`` tables the point belongs to (empty for
            ``[[extra]]`` runs).
    """

    name: str
    config: RunConfig
    varied: dict[str, str] = field(default_factory=dict)
    point: str = ""
    seed: int = 0
    grids: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if not self.point:
            object.__setattr__(self, "point", self.name)

    @property
    def identity(self) -> dict[str, Any]:
        """What names the run in its metadata: name, point, seed, varied levels, sub-grids."""
        return {"name": self.name, "point": self.point, "seed": self.seed,
                "varied": dict(self.varied), "grids": list(self.grids)}  # fmt: skip
