"""The HawkEye lab: intentionally vulnerable MCP servers on loopback, to practise on.

``hawkeye lab`` starts them (Streamable HTTP and legacy SSE, built with the
official SDK, on 127.0.0.1:8101-8110) and prints how to scan them; ``--config-out``
writes a client config that adds the stdio servers. Tests and benchmarks use
:func:`running_lab` and :meth:`Lab.many`::

    from hawkeye_lab import running_lab

    with running_lab() as lab:                 # random free ports
        url = lab.server("poisoned-tools").url

The servers, what is wrong with each and the rules that flag it: ``docs/lab.md``
and :mod:`hawkeye_lab.servers`. Importing this package loads neither the SDK nor
uvicorn; the names below load them when first used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

import click

from hawkeye_core import hookimpl

if TYPE_CHECKING:
    from hawkeye_lab.runner import Lab, LabError, LabServer, running_lab, start_lab

__all__ = ["Lab", "LabError", "LabServer", "hawkeye_commands", "running_lab", "start_lab"]

_LAZY = {"Lab", "LabError", "LabServer", "running_lab", "start_lab"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module("hawkeye_lab.runner"), name)
    raise AttributeError(f"module 'hawkeye_lab' has no attribute {name!r}")


@hookimpl
def hawkeye_commands(cli: click.Group) -> None:
    """Add ``hawkeye lab``."""
    from hawkeye_lab.command import lab_command

    cli.add_command(lab_command)
