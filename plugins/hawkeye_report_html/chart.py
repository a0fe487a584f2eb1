"""The severity chart: an inline SVG bar chart, no script, no external asset."""

from __future__ import annotations

from collections.abc import Mapping

from hawkeye_core import Severity
from hawkeye_report_html.style import SEVERITY_COLOURS
from hawkeye_report_html.text import esc

__all__ = ["severity_chart"]

_LABEL = 84
_BAR = 300
_ROW = 28


def severity_chart(counts: Mapping[Severity, int]) -> str:
    """Horizontal bars, one per severity, critical first, each with its count."""
    order = sorted(Severity, reverse=True)
    most = max((counts.get(s, 0) for s in order), default=0)
    width = _LABEL + _BAR + 60
    height = _ROW * len(order) + 8
    summary = ", ".join(f"{s} {counts.get(s, 0)}" for s in order)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        'aria-labelledby="chart-title">',
        f'<title id="chart-title">Findings by severity: {esc(summary)}</title>',
    ]
    for row, severity in enumerate(order):
        n = counts.get(severity, 0)
        bar = round(_BAR * n / most) if most else 0
        if n and bar < 3:
            bar = 3
        y = 4 + row * _ROW
        parts.append(f'<text x="0" y="{y + 17}">{esc(str(severity))}</text>')
        parts.append(
            f'<rect x="{_LABEL}" y="{y + 3}" width="{bar}" height="18" rx="3" '
            f'fill="{SEVERITY_COLOURS[severity]}"></rect>'
        )
        parts.append(f'<text x="{_LABEL + bar + 8}" y="{y + 17}">{n}</text>')
    parts.append("</svg>")
    return "".join(parts)
