"""The HTML report in a real browser (Debian's headless Chromium).

The page renders (the DOM holds the servers and findings), and the script and
``<img onerror>`` payloads a server put in its tool descriptions execute
nothing: the title stays as HawkEye wrote it and the payloads are text. The
escaping is checked on its own too (the page without its Content Security
Policy), and a canary page shows that this harness does notice a payload that
runs.

Chromium is installed with ``apt-get install -y chromium`` when missing (as root
with apt-get; set ``HAWKEYE_NO_BROWSER_INSTALL=1`` to skip instead); the tests
are skipped, saying why, when it cannot be had.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import attrs
import pytest

from hawkeye_core import Tool
from hawkeye_report_html import CSP, render_html
from tests.reports.support import IMG, SCRIPT, hostile_result

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
TITLE_SCRIPT = "<script>document.title='pwned by script'</script>"
INSTALL_TIMEOUT = 900  # seconds; only when Chromium is missing
RUN_TIMEOUT = 60


def _find_browser() -> str | None:
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


def _apt_get(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    return subprocess.run(
        ["apt-get", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=INSTALL_TIMEOUT,
        stdin=subprocess.DEVNULL,
        check=False,
    )


@pytest.fixture(scope="session")
def chromium() -> str:
    """The path of a headless-capable Chromium, installed from Debian if missing."""
    found = _find_browser()
    if found:
        return found
    if os.environ.get("HAWKEYE_NO_BROWSER_INSTALL"):
        pytest.skip("chromium is not installed and HAWKEYE_NO_BROWSER_INSTALL is set")
    if not shutil.which("apt-get") or os.geteuid() != 0:
        pytest.skip("chromium is not installed, and installing it needs root and apt-get")
    try:
        done = _apt_get("install", "-y", "chromium")
        if done.returncode != 0:  # a stale package list: refresh it once, then retry
            _apt_get("update")
            done = _apt_get("install", "-y", "chromium")
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"could not install chromium: {exc}")
    found = _find_browser()
    if not found:
        reason = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        pytest.skip(f"could not install chromium with apt-get: {reason[0]}")
    return found


def dump_dom(browser: str, page: Path, profile: Path) -> str:
    """The DOM of ``page`` after it loaded (and any script or handler had its chance)."""
    command = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--no-first-run",
        "--no-default-browser-check",
        f"--user-data-dir={profile}",
        "--virtual-time-budget=2000",
        "--dump-dom",
        page.as_uri(),
    ]
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"chromium did not finish within {RUN_TIMEOUT} s")
    assert done.returncode == 0 and "<html" in done.stdout, done.stderr[-2000:]
    return done.stdout


def title_of(dom: str) -> str:
    match = re.search(r"<title>(.*?)</title>", dom, re.S)
    assert match, dom[:500]
    return match.group(1)


def hostile_page(root: Path) -> str:
    """The hostile scan's report, with one more tool whose description rewrites the title."""
    result = hostile_result(root)
    inventory = result.inventories[0]
    tools = (*inventory.tools, Tool(name="retitle", description=f"{TITLE_SCRIPT} {IMG}"))
    return render_html(
        attrs.evolve(
            result, inventories=(attrs.evolve(inventory, tools=tools), *result.inventories[1:])
        )
    )


@pytest.fixture(scope="module")
def report_dom(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("html-report")
    page = folder / "report.html"
    page.write_text(hostile_page(folder), encoding="utf-8")
    return dump_dom(chromium, page, folder / "profile")


def test_report_renders_in_chromium(report_dom: str):
    assert "weather" in report_dom
    assert "evil&lt;script&gt;window.__pwned=1&lt;/script&gt;" in report_dom  # the 2nd server
    assert "Findings (5)" in report_dom and "Servers (2)" in report_dom
    assert "get_forecast" in report_dom and "retitle" in report_dom
    assert "<svg" in report_dom


def test_payloads_in_tool_descriptions_execute_nothing(report_dom: str):
    assert title_of(report_dom) == "HawkEye report: 2 servers, 5 findings"
    assert "<script" not in report_dom.lower()  # no script element was ever made
    assert not re.search(r"<img\b", report_dom, re.I)
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in report_dom  # shown as text
    assert "&lt;img src=x onerror=\"document.title='pwned'\"&gt;" in report_dom
    assert "[hidden Unicode tag text: ignore previous instructions]" in report_dom


def test_escaping_alone_stops_the_payloads(chromium: str, tmp_path: Path):
    page = tmp_path / "no-csp.html"
    html = hostile_page(tmp_path)
    meta = f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
    assert meta in html
    page.write_text(html.replace(meta, ""), encoding="utf-8")
    dom = dump_dom(chromium, page, tmp_path / "profile")
    assert title_of(dom) == "HawkEye report: 2 servers, 5 findings"
    assert "<script" not in dom.lower() and not re.search(r"<img\b", dom, re.I)


def test_the_harness_sees_a_payload_that_runs(chromium: str, tmp_path: Path):
    # A canary: the same payloads, unescaped and without a policy, do run here.
    page = tmp_path / "canary.html"
    page.write_text(
        f"<!DOCTYPE html><html><head><title>HawkEye</title></head><body>{IMG}</body></html>",
        encoding="utf-8",
    )
    assert title_of(dump_dom(chromium, page, tmp_path / "profile")) == "pwned"
    page.write_text(
        f"<!DOCTYPE html><html><head><title>HawkEye</title></head><body>{TITLE_SCRIPT}"
        f"{SCRIPT}</body></html>",
        encoding="utf-8",
    )
    assert title_of(dump_dom(chromium, page, tmp_path / "profile")) == "pwned by script"
