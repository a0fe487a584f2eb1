"""Shared test helpers: run the real CLI, make plugin objects, fake distributions."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from hawkeye_core import hookimpl

HAWKEYE = [sys.executable, "-m", "hawkeye_core"]


def plugin(name: str, **hooks: Any) -> object:
    """A plugin object named ``name`` whose hook implementations are ``hooks``."""
    namespace = {k: staticmethod(hookimpl(v)) for k, v in hooks.items()}
    instance = type(name.replace("-", "_"), (), namespace)()
    instance.__name__ = name  # type: ignore[attr-defined]
    return instance


def hawkeye(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run ``hawkeye ARGS`` in a subprocess and capture its output."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("HAWKEYE_")}
    full_env.update(env or {})
    return subprocess.run(
        [*HAWKEYE, *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def make_distribution(
    site: Path, dist: str, version: str, module: str, source: str, entry_name: str | None = None
) -> None:
    """Write a module and a real ``*.dist-info`` with a ``hawkeye`` entry point into ``site``."""
    (site / f"{module}.py").write_text(source)
    info = site / f"{dist.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
    (info / "entry_points.txt").write_text(f"[hawkeye]\n{entry_name or dist} = {module}\n")
    (info / "RECORD").write_text("")
