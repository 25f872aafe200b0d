"""Audit reports: text, JSON, JUnit, SARIF, Markdown and a self-contained HTML page for a council.

Every format is built from the same :class:`~consortium.audit.run.Audit`, sorted, with no timestamps
other than the audit date, so the same state gives the same report. One module per format, each
with ``render(audit) -> str``; :data:`RENDER` maps the CLI's format names to them.
"""

from __future__ import annotations

from collections.abc import Callable

from consortium.audit.reports import html_report, json_report, junit, markdown, sarif, text
from consortium.audit.run import Audit

RENDER: dict[str, Callable[[Audit], str]] = {
    "text": text.render,
    "json": json_report.render,
    "junit": junit.render,
    "sarif": sarif.render,
    "html": html_report.render,
    "markdown": markdown.render,
}
