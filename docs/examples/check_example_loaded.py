"""Check that the installed example plugin is loaded by the installed ``hawkeye``.

Run by ``tox -e example``, in an environment holding HawkEye (the package under
test) and ``docs/examples/hawkeye-example-plugin``. Exits 0 and prints one line
when ``hawkeye plugins --json`` lists plugin ``example`` from the distribution
``hawkeye-example-plugin`` with the L4 analyser ``example-oversized-description``;
otherwise exits 1 with what was wrong.

It also checks that the installed ``hawkeye`` distribution is this project: the
package registry holds an unrelated project of the same name, which pip picks
when it resolves the plugin's ``hawkeye`` dependency before HawkEye is installed.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

PLUGIN, DIST = "example", "hawkeye-example-plugin"
ANALYSER, LEVEL = "example-oversized-description", "L4"


def hawkeye_command() -> list[str]:
    """``hawkeye`` as installed in this interpreter's environment."""
    scripts = Path(sys.executable).parent
    for name in ("hawkeye", "hawkeye.exe"):
        if (scripts / name).is_file():
            return [str(scripts / name)]
    raise SystemExit(f"check failed: no hawkeye console script next to {sys.executable}")


def check_hawkeye_is_ours() -> None:
    """SystemExit unless the ``hawkeye`` distribution installed here is HawkEye."""
    try:
        dist = importlib.metadata.distribution("hawkeye")
    except importlib.metadata.PackageNotFoundError:
        raise SystemExit("check failed: the hawkeye distribution is not installed") from None
    scripts = {ep.name: ep.value for ep in dist.entry_points if ep.group == "console_scripts"}
    if not scripts.get("hawkeye", "").startswith("hawkeye_core."):
        raise SystemExit(
            f"check failed: the installed 'hawkeye' {dist.version} is not HawkEye (its "
            f"console scripts: {scripts}): the registry's unrelated 'hawkeye' was installed"
        )
    foreign = importlib.util.find_spec("hawkeye")
    if foreign is not None:
        raise SystemExit(
            f"check failed: a package named 'hawkeye' is importable from {foreign.origin}; "
            "HawkEye ships none (left over from the registry's unrelated 'hawkeye'?)"
        )


def list_plugins() -> list[dict[str, Any]]:
    # No HAWKEYE_* settings from the caller's environment: check the defaults.
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAWKEYE_")}
    command = [*hawkeye_command(), "plugins", "--all", "--json"]
    proc = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
    if proc.returncode != 0:
        raise SystemExit(
            f"check failed: {' '.join(command)} exited {proc.returncode}: {proc.stderr.strip()}"
        )
    try:
        return list(json.loads(proc.stdout)["plugins"])
    except (ValueError, KeyError, TypeError) as exc:
        raise SystemExit(
            f"check failed: unexpected output of hawkeye plugins --json: {exc}"
        ) from None


def check(plugins: list[dict[str, Any]]) -> str:
    """The success line, or SystemExit naming what is wrong."""
    found = [p for p in plugins if p.get("name") == PLUGIN]
    if not found:
        names = ", ".join(sorted(p.get("name", "?") for p in plugins)) or "none"
        raise SystemExit(f"check failed: plugin {PLUGIN!r} not found (plugins: {names})")
    plugin = found[0]
    if plugin.get("status") != "loaded":
        raise SystemExit(
            f"check failed: plugin {PLUGIN!r} is {plugin.get('status')}: {plugin.get('error')}"
        )
    if plugin.get("dist") != DIST:
        raise SystemExit(
            f"check failed: plugin {PLUGIN!r} comes from {plugin.get('dist')!r}, not {DIST!r}"
        )
    if plugin.get("problems"):
        raise SystemExit(f"check failed: plugin {PLUGIN!r} has problems: {plugin['problems']}")
    registers = plugin.get("registers", [])
    wanted = {"kind": "analyser", "name": ANALYSER, "level": LEVEL}
    if not any(all(r.get(k) == v for k, v in wanted.items()) for r in registers):
        raise SystemExit(
            f"check failed: plugin {PLUGIN!r} does not register analyser {ANALYSER!r} on "
            f"{LEVEL}; it registers {registers}"
        )
    return (
        f"ok: plugin {PLUGIN!r} from {DIST} {plugin.get('version', '')} is loaded and "
        f"registers analyser {ANALYSER!r} on {LEVEL}"
    )


def main() -> None:
    check_hawkeye_is_ours()
    print(check(list_plugins()))


if __name__ == "__main__":
    main()
