"""The ``html`` report: one self-contained page to read a scan in a browser.

A summary, an inline SVG severity chart, every finding with its evidence, and
every server's inventory (tools, resources, templates, prompts). No script and
no external asset; a Content Security Policy allows nothing but the page's own
stylesheet. Every string is escaped on its way in (``text.esc``): what a
scanned server sent is shown as text, never interpreted.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TextIO

from hawkeye_core import Reporter, ScanResult, hookimpl
from hawkeye_report_html.render import render_html
from hawkeye_report_html.style import CSP
from hawkeye_report_html.text import esc

__all__ = ["CSP", "esc", "render_html", "write_html"]


def write_html(result: ScanResult, stream: TextIO) -> None:
    """Write ``result`` as one HTML document."""
    stream.write(render_html(result))


@hookimpl
def hawkeye_reporters() -> Iterator[Reporter]:
    yield Reporter(
        name="html",
        format="html",
        extensions=(".html", ".htm"),
        write=write_html,
        description="One self-contained HTML page: summary, chart, findings, inventories.",
    )
