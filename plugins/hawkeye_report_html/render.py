"""The whole HTML page: summary, severity chart, findings, servers, suppressed, errors."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Sequence

from hawkeye_core import Finding, ScanResult, ServerInventory, ServerRef
from hawkeye_report_html.chart import severity_chart
from hawkeye_report_html.inventory import server_card
from hawkeye_report_html.style import CSP, CSS
from hawkeye_report_html.text import esc

__all__ = ["render_html"]

_CWE = re.compile(r"(?i)^(?:cwe-?)?(\d{1,6})$")
_MAX_FINDINGS = 2000
_MAX_ERRORS = 500


def _utc(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _server_numbers(servers: Sequence[tuple[ServerRef, ServerInventory | None]]) -> dict[str, int]:
    """Each name a finding's ``location.server`` may use, to the server's number."""
    numbers: dict[str, int] = {}
    for index, (ref, inventory) in enumerate(servers, 1):
        command = " ".join(ref.command or ())
        names = [ref.key, ref.name, ref.url or "", command, command[:200]]
        if inventory is not None and inventory.server_info is not None:
            names.append(inventory.server_info.name)
        for name in names:
            if name:
                numbers.setdefault(name, index)
    return numbers


def _ordered(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (-f.severity, f.rule_id, f.location.server, f.title))


def _references(finding: Finding) -> str:
    links = []
    for cwe in finding.cwe:
        match = _CWE.match(cwe.strip())
        if match:
            number = match.group(1)
            links.append(
                f'<a href="https://cwe.mitre.org/data/definitions/{number}.html" '
                f'rel="noopener noreferrer">CWE-{number}</a>'
            )
        else:
            links.append(esc(cwe, 50))
    links += [f"OWASP MCP Top 10: {esc(o, 60)}" for o in finding.owasp_mcp]
    return ", ".join(links)


def _where(finding: Finding) -> str:
    return ", ".join(
        f"<code>{esc(value, 500)}</code>"
        if label == "file"
        else f"{label} <code>{esc(value, 200)}</code>"
        for label, value in finding.location.items()
    )


def _judged_by(finding: Finding) -> str:
    if not finding.judged_by:
        return ""
    return f"model <code>{esc(finding.judged_by, 200)}</code>: a model's judgement, not a rule"


def _finding(number: int, finding: Finding, servers: dict[str, int]) -> str:
    server = finding.location.server
    index = servers.get(server)
    shown_server = esc(server, 300)
    if index is not None:
        shown_server = f'<a href="#server-{index}">{shown_server}</a>'
    rows = [
        ("Server", shown_server),
        ("Where", _where(finding)),
        ("Evidence", f"<pre>{esc(finding.evidence, 4000)}</pre>" if finding.evidence else ""),
        ("Remediation", esc(finding.remediation, 3000)),
        ("Confidence", f"{finding.confidence:.0%}"),
        ("Judged by", _judged_by(finding)),
        ("References", _references(finding)),
        ("Reported by", esc(finding.plugin, 200)),
        ("Accepted", esc(finding.suppressed, 1000) if finding.suppressed is not None else ""),
    ]
    details = "".join(f"<dt>{label}</dt><dd>{value}</dd>" for label, value in rows if value)
    return (
        f'<article class="finding sev-{finding.severity}" id="finding-{number}">'
        f'<h3><span class="sev">{esc(str(finding.severity))}</span>'
        f'<span class="rule">{esc(finding.rule_id, 60)}</span>{esc(finding.title, 500)}</h3>'
        f"<dl>{details}</dl></article>"
    )


def _cards(result: ScanResult, servers: int) -> str:
    cards = [
        ("Targets", len(result.targets)),
        ("Open ports", len(result.endpoints)),
        ("Servers", servers),
        ("Inventoried", len(result.inventories)),
        ("Findings", len(result.findings)),
        ("Suppressed", len(result.suppressed)),
        ("Plugin errors", len(result.errors)),
    ]
    items = "".join(
        f'<div class="card"><span class="n">{n:,}</span><span class="k">{label}</span></div>'
        for label, n in cards
    )
    return f'<div class="cards">{items}</div>'


def _errors(result: ScanResult) -> str:
    if not result.errors:
        return ""
    rows = "".join(
        f"<tr><td>{esc(o.status)}</td><td><code>{esc(o.plugin, 200)}</code></td>"
        f"<td>{esc(o.kind)}</td><td>{esc(o.subject, 300)}</td>"
        f"<td>{esc(o.error or '', 1000)}</td><td>{o.duration:.2f} s</td></tr>"
        for o in result.errors[:_MAX_ERRORS]
    )
    more = len(result.errors) - _MAX_ERRORS
    tail = f'<p class="muted">… and {more:,} more in the JSON report.</p>' if more > 0 else ""
    return (
        f'<section id="errors"><h2>Plugin errors ({len(result.errors):,})</h2>'
        "<table><thead><tr><th>Status</th><th>Plugin</th><th>Kind</th><th>Subject</th>"
        f"<th>Error</th><th>Took</th></tr></thead><tbody>{rows}</tbody></table>{tail}</section>"
    )


def render_html(result: ScanResult) -> str:
    """The report as one self-contained HTML document (no script, no external asset)."""
    servers = result.server_inventories()
    numbers = _server_numbers(servers)
    findings = _ordered(result.findings)
    counts = Counter(f.severity for f in findings)
    numbered = list(enumerate(findings, 1))
    by_server: dict[int, list[tuple[int, Finding]]] = {}
    for number, finding in numbered:
        index = numbers.get(finding.location.server)
        if index is not None:
            by_server.setdefault(index, []).append((number, finding))
    state = "interrupted: the report holds what was found until then" if result.interrupted else ""
    targets = ", ".join(f"<code>{esc(t, 200)}</code>" for t in result.targets[:50])
    if len(result.targets) > 50:
        targets += f" and {len(result.targets) - 50:,} more"
    targets = targets or '<span class="muted">none</span>'
    highest = max(counts, default=None)
    verdict = (
        f'highest severity <span class="sev sev-{highest}">{esc(str(highest))}</span>'
        if highest is not None
        else "no findings"
    )
    finding_html = "".join(_finding(n, f, numbers) for n, f in numbered[:_MAX_FINDINGS])
    if len(findings) > _MAX_FINDINGS:
        finding_html += (
            f'<p class="muted">… and {len(findings) - _MAX_FINDINGS:,} more in the JSON report.</p>'
        )
    suppressed = "".join(
        _finding(len(findings) + n, f, numbers)
        for n, f in enumerate(_ordered(result.suppressed)[:_MAX_FINDINGS], 1)
    )
    server_html = "".join(
        server_card(i, ref, inventory, by_server.get(i, []))
        for i, (ref, inventory) in enumerate(servers, 1)
    )
    title = f"HawkEye report: {len(servers)} servers, {len(findings)} findings"
    body = [
        '<header class="page"><h1>HawkEye report</h1>',
        f'<p class="meta">Scan <code>{esc(result.scan_id, 64)}</code> · started '
        f"{esc(_utc(result.started))} · took {result.duration:,.1f} s · {verdict}"
        + (f" · <strong>{esc(state)}</strong>" if state else "")
        + "</p></header><main>",
        f'<section id="summary"><h2>Summary</h2>{_cards(result, len(servers))}',
        f"<figure>{severity_chart(counts)}</figure>",
        f"<p>Targets: {targets}</p></section>",
        f'<section id="findings"><h2>Findings ({len(findings):,})</h2>',
        finding_html or '<p class="muted">No findings.</p>',
        "</section>",
        f'<section id="servers"><h2>Servers ({len(servers):,})</h2>',
        server_html or '<p class="muted">No MCP server found.</p>',
        "</section>",
    ]
    if result.suppressed:
        body += [
            f'<section id="suppressed"><h2>Suppressed findings ({len(result.suppressed):,})</h2>'
            '<p class="muted">Accepted risks, each with the reason it was accepted.</p>',
            suppressed,
            "</section>",
        ]
    body += [
        _errors(result),
        "</main><footer>",
        f"Made by HawkEye {esc(result.hawkeye_version, 40)} on {esc(_utc(result.finished))}. "
        "Everything a scanned server sent is shown as text: control, bidi and invisible "
        'characters appear as <span class="hidden-char">\\u202e</span>-style escapes and '
        "secrets as &lt;redacted:…&gt;. Long texts are cut; the JSON report has them whole.",
        "</footer>",
    ]
    head = (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="referrer" content="no-referrer">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="generator" content="HawkEye {esc(result.hawkeye_version, 40)}">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>"
    )
    return head + "\n".join(body) + "\n</body></html>\n"
