"""The report's one stylesheet, and the Content Security Policy that allows only it."""

from __future__ import annotations

import base64
import hashlib

from hawkeye_core import Severity

__all__ = ["CSP", "CSS", "SEVERITY_COLOURS"]

SEVERITY_COLOURS = {
    Severity.CRITICAL: "#8e0000",
    Severity.HIGH: "#d32f2f",
    Severity.MEDIUM: "#ef6c00",
    Severity.LOW: "#1565c0",
    Severity.INFO: "#616161",
}

CSS = """
:root { color-scheme: light dark; --fg: #1b1b1f; --bg: #ffffff; --muted: #5f6368;
  --line: #dadce0; --card: #f6f8fa; --code: #eef1f4; --link: #0b57d0; }
@media (prefers-color-scheme: dark) { :root { --fg: #e3e3e8; --bg: #121316; --muted: #a0a4ab;
  --line: #33363c; --card: #1b1d21; --code: #23262b; --link: #8ab4f8; } }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--fg); background: var(--bg); }
header.page, main, footer { max-width: 1200px; margin: 0 auto; padding: 0 24px; }
header.page { padding-top: 24px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 32px 0 12px; border-bottom: 1px solid var(--line);
  padding-bottom: 4px; }
h3 { font-size: 16px; margin: 0 0 8px; }
a { color: var(--link); }
.meta, .muted { color: var(--muted); }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px;
  padding: 10px 16px; min-width: 120px; }
.card .n { font-size: 22px; font-weight: 600; display: block; }
.card .k { color: var(--muted); font-size: 12px; text-transform: uppercase; }
.chart text { font: 13px system-ui, sans-serif; fill: currentColor; }
article { background: var(--card); border: 1px solid var(--line); border-radius: 8px;
  padding: 14px 16px; margin: 0 0 14px; }
article.finding { border-left-width: 6px; }
article.sev-critical { border-left-color: #8e0000; }
article.sev-high { border-left-color: #d32f2f; }
article.sev-medium { border-left-color: #ef6c00; }
article.sev-low { border-left-color: #1565c0; }
article.sev-info { border-left-color: #616161; }
.sev { display: inline-block; color: #fff; border-radius: 4px; padding: 0 6px;
  font-size: 12px; font-weight: 600; text-transform: uppercase; }
.sev-critical .sev, .sev.sev-critical { background: #8e0000; }
.sev-high .sev, .sev.sev-high { background: #d32f2f; }
.sev-medium .sev, .sev.sev-medium { background: #ef6c00; }
.sev-low .sev, .sev.sev-low { background: #1565c0; }
.sev-info .sev, .sev.sev-info { background: #616161; }
.rule { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  color: var(--muted); margin: 0 6px; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 8px 0; }
dt { color: var(--muted); }
dd { margin: 0; min-width: 0; overflow-wrap: anywhere; }
pre, code, .text { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  font-size: 12.5px; }
pre, .text { white-space: pre-wrap; overflow-wrap: anywhere; background: var(--code);
  border-radius: 4px; padding: 6px 8px; margin: 0; max-height: 420px; overflow: auto; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; table-layout: auto; }
th, td { border-bottom: 1px solid var(--line); padding: 6px 8px; text-align: left;
  vertical-align: top; overflow-wrap: anywhere; }
th { color: var(--muted); font-weight: 600; font-size: 12px; text-transform: uppercase; }
table.items th.narrow { min-width: 9em; width: 16%; }
table.items th.wide { width: 46%; }
details > summary { cursor: pointer; margin: 8px 0; font-weight: 600; }
.hidden-char { background: #ffeb3b; color: #000; border-radius: 3px; padding: 0 2px;
  font-family: ui-monospace, monospace; }
.cut { color: var(--muted); font-style: italic; }
.badge { border: 1px solid var(--line); border-radius: 10px; padding: 0 8px; font-size: 12px;
  color: var(--muted); margin-left: 6px; font-weight: normal; }
ul.plain { margin: 4px 0; padding-left: 18px; }
footer { color: var(--muted); font-size: 12px; padding-top: 24px; padding-bottom: 32px; }
"""

_STYLE_HASH = base64.b64encode(hashlib.sha256(CSS.encode("utf-8")).digest()).decode("ascii")

#: Nothing loads, nothing runs: no script at all, no request of any kind, and only
#: the one stylesheet above (by its hash), so even markup that escaped escaping
#: could neither execute nor restyle the page.
CSP = (
    "default-src 'none'; "
    f"style-src 'sha256-{_STYLE_HASH}'; "
    "img-src 'none'; font-src 'none'; connect-src 'none'; "
    "base-uri 'none'; form-action 'none'"
)
