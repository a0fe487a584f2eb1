"""Fixtures of the reporter tests: a repository folder and a hostile scan result."""

from __future__ import annotations

from pathlib import Path

import pytest

from hawkeye_core import (
    ScanResult,
)
from tests.reports.support import (
    hostile_result,
)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A checkout to run HawkEye in: config paths under it are written relative to it."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def result(repo: Path) -> ScanResult:
    return hostile_result(repo)
