"""Turning page data into HTML: Jinja2 templates from package data, Markdown via markdown-it.

Templates live in ``trainlab/report/html/templates`` and escape every value unless it is
marked `Markup`; the CSS of ``assets`` is embedded in each page, its scripts (and the
vendored chart library) are copied once into OUT/report/assets and linked relatively
(`portable`), so the report folder stands alone when zipped and opened from disk.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from markdown_it import MarkdownIt
from markupsafe import Markup

from trainlab.report.html.format import config_value
from trainlab.version import __version__

ASSETS = Path(__file__).with_name("assets")
# Our scripts, linked by every page in this order (each adds to window.TL what the next
# ones use); copied into OUT/report/assets with the vendored chart library (`portable`).
SCRIPTS = ("sort_table.js", "data.js", "charts.js", "player.js", "pages.js")
REFRESH_S = 5  # pages of a running study reload this often (the driver rewrites them as often)
# A table cell whose text starts like a number (0.8754, -0.067 (...), 1e-3) aligns right.
_NUMERIC_CELL = re.compile(r"^[-+]?(\d|\.\d)")


@dataclass(frozen=True)
class CaptionedFigure:
    """An image (or an MP4 as a video) with the caption that says what it shows."""

    src: str  # relative to the page that shows it
    caption: str
    wide: bool = False  # spans the page's figure grid
    video: bool = False


def render_page(template: str, *, title: str, root: str = "", **context: Any) -> str:
    """A full HTML page from `template` with the embedded CSS.

    Args:
        root: the address of OUT/report from the page ("" for the index, "../" for a
            run page), where its scripts, data and copies are.
    """
    return (
        _environment()
        .get_template(template)
        .render(
            title=title,
            root=root,
            scripts=SCRIPTS,
            css=Markup(_asset("report.css")),  # our own file: embedded as is
            version=__version__,
            **context,
        )
    )


def markdown_to_html(text: str, *, heading_offset: int = 0) -> Markup:
    """CommonMark with pipe tables as HTML; raw HTML in `text` is escaped, not passed on.

    `heading_offset` demotes headings (1: ``#`` becomes ``<h2>``, capped at ``<h6>``) so a
    document can sit under a page's own headings; cells that start with a number get
    ``class="num"`` (right-aligned).
    """
    md = _markdown()
    tokens = md.parse(text)
    for i, token in enumerate(tokens):
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1:]) + heading_offset, 6)}"
        elif token.type == "td_open" and _NUMERIC_CELL.match(tokens[i + 1].content.strip()):
            token.attrJoin("class", "num")
    return Markup(md.renderer.render(tokens, md.options, {}))


def href(*parts: str) -> str:
    """A relative URL from path parts: each part percent-encoded, ``..`` kept."""
    return "/".join(p if p == ".." else quote(p, safe="") for p in parts)


@functools.cache
def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("trainlab.report.html", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,  # a misspelt field fails the test, not the page
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["config_value"] = config_value
    return environment


@functools.cache
def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False}).enable("table")


@functools.cache
def _asset(name: str) -> str:
    """A file of assets/, embedded in every page."""
    return (ASSETS / name).read_text(encoding="utf-8")
