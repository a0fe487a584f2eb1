"""HTML, CSV, Markdown, CycloneDX and terminal reports of hostile scan results."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

import hawkeye_report_cyclonedx
import hawkeye_report_html
from hawkeye_core import (
    ScanResult,
    Severity,
)
from hawkeye_report_html.style import CSP, CSS
from hawkeye_report_html.text import esc
from hawkeye_report_tables import guard_cell, md, write_csv, write_markdown
from hawkeye_report_terminal import ProgressDisplay, progress_line, write_terminal
from tests.reports.support import (
    FORMULA,
    IMG,
    FakeTerminal,
    assert_no_secret,
    empty_result,
    hostile_result,
    render,
)


# -- HTML (string level; the browser test is in test_report_html_browser.py) ---------------
def test_html_escapes_everything_a_server_sent(result: ScanResult):
    page = render(hawkeye_report_html.write_html, result)
    lower = page.lower()
    assert "<script" not in lower
    assert "<img" not in lower
    assert "onerror=" not in lower.replace("onerror=&quot;", "")
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=&quot;document.title=&#x27;pwned&#x27;&quot;&gt;" in page
    assert "\x1b" not in page and "\u202e" not in page and "\x00" not in page
    assert chr(0xE0069) not in page  # Unicode tags are shown decoded, not hidden
    assert "[hidden Unicode tag text: ignore previous instructions]" in page
    assert '<span class="hidden-char">\\u202e</span>' in page
    assert '<span class="hidden-char">\\ud800</span>' in page
    assert_no_secret(page)


def test_html_is_self_contained_with_a_strict_policy(result: ScanResult):
    page = render(hawkeye_report_html.write_html, result)
    assert f'<meta http-equiv="Content-Security-Policy" content="{CSP}">' in page
    assert "script-src" not in CSP and "unsafe-inline" not in CSP
    assert CSP.startswith("default-src 'none'; style-src 'sha256-")
    assert page.count("<style>") == 1 and f"<style>{CSS}</style>" in page
    assert "@import" not in CSS and "url(" not in CSS
    tags = re.findall(r"<([a-zA-Z][a-zA-Z0-9]*)([^>]*)>", page)
    names = {name.lower() for name, _ in tags}
    assert not names & {"script", "img", "link", "iframe", "object", "embed", "base", "form"}
    assert not [attrs for _, attrs in tags if re.search(r"\b(?:src|srcset|on\w+)\s*=", attrs)]
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert hrefs and all(
        h.startswith("#") or re.fullmatch(r"https://cwe\.mitre\.org/data/definitions/\d+\.html", h)
        for h in hrefs
    )
    assert ' style="' not in page  # the hash allows the stylesheet, no style attribute


def test_html_shows_summary_chart_inventories_and_evidence(result: ScanResult):
    page = render(hawkeye_report_html.write_html, result)
    assert "<title>HawkEye report: 2 servers, 5 findings</title>" in page
    assert "<svg" in page and "Findings by severity: critical 1, high 1" in page
    for text in ("Tools (3)", "Resources (1)", "Resource templates (1)", "Prompts (1)"):
        assert text in page
    assert "get_forecast" in page and "weather://{city}" in page
    assert 'id="finding-1"' in page and 'href="#server-1"' in page
    assert "Suppressed findings (1)" in page and "Plugin errors (1)" in page
    assert "more characters in the JSON report" in page  # the long description is cut
    assert len(page) < 400_000


def test_html_of_an_empty_scan_renders():
    page = render(hawkeye_report_html.write_html, empty_result())
    assert "No findings." in page and "No MCP server found." in page


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("<b>&\"'", "&lt;b&gt;&amp;&quot;&#x27;"),
        ("a\x1bb", 'a<span class="hidden-char">\\x1b</span>b'),
        ("zw\u200bj", 'zw<span class="hidden-char">\\u200b</span>j'),
        ("vs\ufe0f", 'vs<span class="hidden-char">\\ufe0f</span>'),
        (
            "a" + "".join(chr(0xE0000 + ord(c)) for c in "<hi>") + chr(0xE007F) + "b",
            'a<span class="hidden-char">[hidden Unicode tag text: &lt;hi&gt;\\U000e007f]</span>b',
        ),
        ("line\nnext\ttab", "line\nnext\ttab"),
    ],
)
def test_html_esc(value: str, expected: str):
    assert esc(value) == expected


# -- CSV and Markdown --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("cell", "guarded"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("  =1", "'  =1"),
        ("safe = 1", "safe = 1"),
        ("", ""),
    ],
)
def test_csv_guard_cell(cell: str, guarded: str):
    assert guard_cell(cell) == guarded


def test_csv_has_one_guarded_row_per_finding(result: ScanResult):
    text = render(write_csv, result)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == len(result.findings) + len(result.suppressed)
    assert [r["status"] for r in rows].count("suppressed") == 1
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value
    titles = {r["title"] for r in rows}
    assert "'" + FORMULA + " hidden instructions in a tool description" in titles
    assert "'-Server answers without authentication" in titles
    assert any(t.startswith("'@<img") for t in titles)
    evidence = next(r["evidence"] for r in rows if r["rule_id"] == "HE-TP-001")
    assert "\x1b" not in evidence and "\\x1b[2J" in evidence and "\n" not in evidence
    assert_no_secret(text)


def test_markdown_escapes_pipes_backticks_and_markup(result: ScanResult):
    text = render(write_markdown, result)
    assert "\\|" in text and "\\`" in text
    # No markup, code span, link or HTML can start: every <, >, `, [ and ] is escaped.
    assert not re.search(r"(?<!\\)[<>`\[\]]", text)
    assert "\\<script\\>" in text and "\\*\\*bold\\*\\*" in text
    assert "\x1b" not in text and "\u202e" not in text
    header = next(line for line in text.splitlines() if line.startswith("| Severity | Rule"))
    columns = header.count("|")
    rows = [line for line in text.splitlines() if line.startswith("| **high**")]
    assert rows
    for line in rows:  # escaped pipes do not split cells; newlines do not split rows
        assert len(re.findall(r"(?<!\\)\|", line)) == columns
    assert "## Summary" in text and "## Servers" in text and "## Findings (5)" in text
    assert_no_secret(text)


def test_md_escapes_every_markdown_character():
    assert md("a|b`c*d_e[f](g)<h>#!&~@$") == (
        "a\\|b\\`c\\*d\\_e\\[f\\](g)\\<h\\>\\#\\!\\&\\~\\@\\$"
    )
    assert md("2025-01-01 10:00 a.b/c") == "2025-01-01 10:00 a.b/c"
    assert md("two\nlines") == "two\\\\nlines"


# -- CycloneDX ---------------------------------------------------------------------------
def cyclonedx_errors(bom: dict[str, Any]) -> str | None:
    """What the official CycloneDX 1.6 schema (shipped by cyclonedx-python-lib) says of ``bom``."""
    validation = pytest.importorskip("cyclonedx.validation.json")
    schema = pytest.importorskip("cyclonedx.schema")
    error = validation.JsonStrictValidator(schema.SchemaVersion.V1_6).validate_str(json.dumps(bom))
    return None if error is None else str(error)[:2000]


@pytest.mark.parametrize("make", [hostile_result, lambda root: empty_result()])
def test_cyclonedx_validates_against_the_official_schema(repo: Path, make: Any):
    bom = json.loads(render(hawkeye_report_cyclonedx.write_cyclonedx, make(repo)))
    assert cyclonedx_errors(bom) is None


def test_cyclonedx_lists_servers_as_services_and_findings_as_vulnerabilities(result: ScanResult):
    text = render(hawkeye_report_cyclonedx.write_cyclonedx, result)
    assert text.isascii()
    assert_no_secret(text)
    bom = json.loads(text)
    services = {s["name"]: s for s in bom["services"]}
    weather = services["weather"]
    assert weather["endpoints"] == ["http://127.0.0.1:8000/mcp"]
    assert weather["authenticated"] is False and weather["version"] == "1.2.0"
    assert [t["name"] for t in weather["services"]] == ["get_forecast", IMG, FORMULA]
    refs = {s["bom-ref"] for s in bom["services"]}
    vulnerabilities = bom["vulnerabilities"]
    assert len(vulnerabilities) == len(result.findings) + len(result.suppressed)
    assert {a["ref"] for v in vulnerabilities for a in v.get("affects", [])} <= refs
    accepted = [v for v in vulnerabilities if "analysis" in v]
    assert [v["id"] for v in accepted] == ["HE-ANN-003"]
    assert accepted[0]["analysis"]["response"] == ["will_not_fix"]
    # Control characters are shown as escapes (a backslash, doubled in JSON), never kept.
    assert "\\\\x1b[2J" in text and "\\u001b" not in text


def test_cyclonedx_server_refs_are_stable_across_scans(repo: Path):
    one = hawkeye_report_cyclonedx.cyclonedx_bom(hostile_result(repo, scan_id="1" * 32))
    two = hawkeye_report_cyclonedx.cyclonedx_bom(hostile_result(repo, scan_id="2" * 32))
    assert one["serialNumber"] != two["serialNumber"]
    assert [s["bom-ref"] for s in one["services"]] == [s["bom-ref"] for s in two["services"]]


# -- terminal ----------------------------------------------------------------------------
def terminal_output(result: ScanResult, stream: io.StringIO) -> str:
    write_terminal(result, stream)
    return stream.getvalue()


def test_terminal_is_coloured_on_a_tty(result: ScanResult, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    text = terminal_output(result, FakeTerminal())
    assert "\x1b[31m" in text and "\x1b[1;31m" in text
    # Every escape is one of ours (colour), never one a server sent.
    assert re.findall(r"\x1b(?!\[[0-9;]*m)", text) == []
    assert "\\x1b[2J" in text


@pytest.mark.parametrize(
    ("stream", "env"),
    [(FakeTerminal, {"NO_COLOR": "1"}), (io.StringIO, {}), (FakeTerminal, {"TERM": "dumb"})],
)
def test_terminal_has_no_colour_off_a_tty_or_with_no_color(
    result: ScanResult, monkeypatch: pytest.MonkeyPatch, stream: Any, env: dict[str, str]
):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    text = terminal_output(result, stream())
    assert "\x1b" not in text
    assert "\u202e" not in text and "\x00" not in text


def test_terminal_summarises_servers_and_findings(result: ScanResult):
    text = terminal_output(result, io.StringIO())
    assert "Servers (2)" in text and "Findings by severity (5)" in text
    assert re.search(r"critical\s+1", text) and re.search(r"info\s+1", text)
    weather = next(line for line in text.splitlines() if "streamable-http" in line)
    assert "http://127.0.0.1:8000/mcp" in weather and "(high)" in weather
    assert "Suppressed (1" in text and "Plugin errors (1)" in text
    assert max(len(line) for line in text.splitlines()) < 400  # long text is cut
    assert_no_secret(text)


def test_progress_line_and_display_on_a_terminal():
    stats = {"targets": 254, "endpoints_open": 3, "ports_probed": 12_000, "servers": 2,
             "inventories": 1, "findings": 4, "calls": 40}  # fmt: skip
    line = progress_line(stats, 12.34, 830.0, {Severity.CRITICAL: 1, Severity.LOW: 3})
    assert line == (
        "HawkEye 12.3 s  targets 254  ports 3 open of 12,000  servers 2 (1 inventoried)  "
        "findings 4 (1 critical)  830 probes/s"
    )
    screen = FakeTerminal()
    display = ProgressDisplay(screen, width=60)
    display.note_finding(Severity.HIGH)
    display.update(stats, 0.5)  # a quick scan shows nothing
    assert screen.getvalue() == ""
    display.update(stats, 1.0)
    display.update({**stats, "ports_probed": 13_000}, 2.0)
    drawn = screen.getvalue().split("\r\x1b[K")[1:]
    assert len(drawn) == 2 and all(len(d) <= 59 for d in drawn)
    assert drawn[1].startswith("HawkEye 2.0 s  targets 254")
    display.finish()
    assert screen.getvalue().endswith("\r\x1b[K")


def test_progress_display_draws_nothing_off_a_terminal():
    stream = io.StringIO()
    display = ProgressDisplay(stream)
    display.update({"targets": 1}, 1.0)
    display.finish()
    assert stream.getvalue() == ""
