"""Figures and movies rendered from Records, History frames and dataset tensors."""

from trainlab.viz.curves import (
    best_epoch,
    epoch_curves,
    history_grid,
    learning_curve,
    output_stats_figure,
)
from trainlab.viz.dashboard import Dashboard, dashboard
from trainlab.viz.datasets import class_distribution, sample_grid
from trainlab.viz.moment import MovieFrame, movie_frame
from trainlab.viz.movie import make_movie, render_movies
from trainlab.viz.selection import frame_steps, movie_steps
from trainlab.viz.tables import markdown_table, results_table

__all__ = [
    "Dashboard",
    "MovieFrame",
    "best_epoch",
    "class_distribution",
    "dashboard",
    "epoch_curves",
    "frame_steps",
    "history_grid",
    "learning_curve",
    "make_movie",
    "markdown_table",
    "movie_frame",
    "movie_steps",
    "output_stats_figure",
    "render_movies",
    "results_table",
    "sample_grid",
]
