"""The whole tool against the lab: scan, rug pull, history, re-render, diff, approve.

Real ``hawkeye`` processes scan real SDK servers of ``hawkeye lab`` on loopback,
with a throwaway history database.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hawkeye_lab.runner import running_lab
from tests.helpers import hawkeye

# The built-in detectors of this machine's configs and processes vary: leave them out.
QUIET = {"HAWKEYE_DISABLE_PLUGINS": "discover_local"}


@pytest.fixture
def lab():
    with running_lab(only=["rug-pull", "benign"]) as lab:
        yield lab


def scan(db: Path, ports: str, out: Path, *more: str):
    done = hawkeye(
        "--db", str(db), "scan", "127.0.0.1", "-p", ports, "--no-local", "-o", str(out), *more,
        cwd=out.parent, env=QUIET, timeout=120,
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr
    return json.loads(out.read_text())


def test_a_rug_pull_across_two_real_scans_then_history_report_diff_and_approval(
    lab, tmp_path: Path
):
    db = tmp_path / "history.db"
    ports = ",".join(str(s.port) for s in lab.network)
    rug = next(s for s in lab.network if s.key == "rug-pull")

    first = scan(db, ports, tmp_path / "first.json")
    assert {s["url"] for s in first["servers"]} == {s.url for s in lab.network}
    assert not [f for f in first["findings"] if f["rule_id"] == "HE-RUG-001"]

    # The rug-pull server now serves a different, malicious description.
    second = scan(db, ports, tmp_path / "second.json")
    rug_pulls = [f for f in second["findings"] if f["rule_id"] == "HE-RUG-001"]
    assert rug_pulls, second["findings"]
    assert all(f["location"]["server"] for f in rug_pulls)
    assert any("-" in f["evidence"] and "+" in f["evidence"] for f in rug_pulls)  # a diff

    history = hawkeye("--db", str(db), "history", "--json", cwd=tmp_path)
    assert history.returncode == 0, history.stderr
    scans = json.loads(history.stdout)
    scans = scans["scans"] if isinstance(scans, dict) else scans
    assert len(scans) == 2
    ids = {first["scan"]["id"], second["scan"]["id"]}
    assert {s["id"] for s in scans} == ids

    # A past scan re-renders to the very bytes the run wrote.
    again = tmp_path / "again.json"
    report = hawkeye(
        "--db", str(db), "report", first["scan"]["id"][:10], "-o", str(again), cwd=tmp_path
    )
    assert report.returncode == 0, report.stderr
    assert again.read_bytes() == (tmp_path / "first.json").read_bytes()

    diff = hawkeye(
        "--db", str(db), "diff", first["scan"]["id"], second["scan"]["id"], "--json", cwd=tmp_path
    )
    assert diff.returncode == 0, diff.stderr
    assert "HE-RUG-001" in diff.stdout and rug.url in diff.stdout

    approve = hawkeye("--db", str(db), "pins", "approve", "--all", cwd=tmp_path)
    assert approve.returncode == 0, approve.stderr
    third = scan(db, ports, tmp_path / "third.json", "--fail-on", "high")
    assert not [f for f in third["findings"] if f["rule_id"] == "HE-RUG-001"]
