"""The HTML report of a study: an index that answers first, one page per run, offline.

`write_html_report(out)` writes ``OUT/report/`` from the study directory (after
`trainlab.report.writer.write_report`); pages are Jinja2 templates from package data
with the CSS and script embedded, every link relative.
"""

from trainlab.report.html.report import write_html_report

__all__ = ["write_html_report"]
