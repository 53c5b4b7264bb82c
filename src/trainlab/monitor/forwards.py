"""Forwards and steps: which training forward each activation row came from, and which
forward stands for each optimizer step in the record.

Activations are captured per training forward, weights and gradients per optimizer
step. Usually there is one forward per step; with gradient accumulation there are
several, and a call site behind changing control flow may be missed by some. The
record keeps, per step, the activations of the *last* training forward before that
step (NaN where a site was not reached in it); `ForwardMap.per_step` says how many
forwards each step had.

Memory: 8 bytes per step, and per call site nothing while it is reached in every
forward (a run of consecutive forwards is two integers), else 8 bytes per row.
"""

from __future__ import annotations

from array import array

import numpy as np


class SiteRows:
    """The forward number of each row of one call site: a run (first, count) while the
    site is reached in consecutive forwards, an explicit array once it is not."""

    def __init__(self) -> None:
        self.first = 0
        self.count = 0
        self.explicit: array | None = None

    def append(self, forward: int) -> None:
        """One more row, captured in training forward `forward` (1-based)."""
        if self.explicit is not None:
            self.explicit.append(forward)
        elif self.count == 0:
            self.first, self.count = forward, 1
        elif forward == self.first + self.count:
            self.count += 1
        else:
            self.explicit = array("q", range(self.first, self.first + self.count))
            self.explicit.append(forward)

    def forwards(self) -> np.ndarray:
        """(rows,) int64: the forward of each row, ascending."""
        if self.explicit is not None:
            return np.frombuffer(self.explicit, np.int64).copy()
        return np.arange(self.first, self.first + self.count, dtype=np.int64)

    @property
    def nbytes(self) -> int:
        """Bytes of the explicit array (0 while the rows are one run)."""
        return self.explicit.itemsize * len(self.explicit) if self.explicit is not None else 0


class ForwardMap:
    """Counts training forwards, the forward of each captured row, and the forwards each
    optimizer step closes."""

    def __init__(self) -> None:
        self.forwards = 0
        self._step_ends = array("q")  # forwards seen when each counted step was taken
        self._sites: dict[tuple, SiteRows] = {}

    def begin(self) -> None:
        """A training forward begins."""
        self.forwards += 1

    def row(self, key: tuple) -> None:
        """Site `key` captured a row in the current forward."""
        rows = self._sites.get(key)
        if rows is None:
            rows = self._sites[key] = SiteRows()
        rows.append(self.forwards)

    def step(self) -> None:
        """An optimizer step was taken after the forwards so far."""
        self._step_ends.append(self.forwards)

    def step_rows(self, key: tuple) -> np.ndarray | None:
        """Per step, the row of `key` from the step's last forward (-1: none); None when
        no step was counted (the rows stay one per forward)."""
        if not self._step_ends:
            return None
        ends = np.frombuffer(self._step_ends, np.int64)
        starts = np.concatenate([[0], ends[:-1]])
        rows = self._sites.get(key)
        forwards = rows.forwards() if rows is not None else np.zeros(0, np.int64)
        if len(forwards) == 0:
            return np.full(len(ends), -1, np.int64)
        index = np.searchsorted(forwards, ends)
        found = index < len(forwards)
        found[found] &= forwards[index[found]] == ends[found]
        found &= ends > starts  # a step with no forward of its own
        return np.where(found, index, -1)

    def per_step(self) -> dict[str, float] | None:
        """Training forwards per optimizer step: min, max and mean; None before a step."""
        if not self._step_ends:
            return None
        ends = np.frombuffer(self._step_ends, np.int64)
        counts = np.diff(ends, prepend=0)
        return {"min": int(counts.min()), "max": int(counts.max()),
                "mean": round(float(counts.mean()), 3)}  # fmt: skip

    @property
    def nbytes(self) -> int:
        """Bytes held: the step ends and any explicit site arrays."""
        sites = sum(rows.nbytes for rows in self._sites.values())
        return self._step_ends.itemsize * len(self._step_ends) + sites


def take_rows(values: np.ndarray, index: np.ndarray | None) -> np.ndarray:
    """`values[index]` along the first axis, NaN rows where `index` is -1 (None: all)."""
    if index is None:
        return values
    out = np.full((len(index), *values.shape[1:]), np.nan, np.float32)
    hit = index >= 0
    out[hit] = values[index[hit]]
    return out
