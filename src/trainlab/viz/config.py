"""OutputConfig: the figures and movie written for each run."""

from __future__ import annotations

from dataclasses import dataclass

from trainlab.config import check_fields, choice, number
from trainlab.viz.movie import SUFFIXES
from trainlab.viz.selection import MAX_FRAMES


@dataclass(frozen=True)
class OutputConfig:
    """Artifacts written per run."""

    dashboard: bool = True
    movie: bool = False
    movie_format: str = choice((s.lstrip(".") for s in SUFFIXES), default="gif")
    fps: int = number(10, lo=1)
    # at most this many frames: every step of a shorter run, else evenly spread steps
    movie_frames: int = number(MAX_FRAMES, lo=1)

    def __post_init__(self) -> None:
        check_fields(self)
