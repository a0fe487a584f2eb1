"""Starting someone else's stdio server, and making sure it is gone afterwards.

The SDK's ``stdio_client`` does start the server in a new session and kills
its process group, but it passes ``HOME, LOGNAME, PATH, SHELL, TERM, USER``
whatever the caller says, sends stderr to a file object (unbounded), reads
stdout lines of any length and waits 2 s + 2 s on shutdown. So the process is
handled here, and only the message framing is the SDK's: this module yields
the same stream pair its transports do.

- The environment is only the config's ``env`` (values redacted in the config
  cannot be passed, and are named in the notes) plus ``PATH`` and ``HOME``.
- It starts only once its call holds a process slot of the run's budget
  (``STDIO_HOLD``: one of ``exec_parallelism`` processes and
  ``FDS_PER_PROCESS`` descriptors, taken together by the runner before the
  call starts, through the introspector record's ``holds``), kept until the
  call ends.
- The server runs in its own session, so it and every child it starts share
  one process group.
- A stdout line (one message) may be at most ``max_message_bytes``; lines that
  are not JSON-RPC (servers that log to stdout) are skipped and counted, up to
  ``MAX_JUNK_LINES``; the last ``stderr_bytes`` of stderr are kept.
- Afterwards, however the session ended (done, failed, timed out, cancelled):
  stdin is closed, the group gets ``SIGTERM`` after a grace period and
  ``SIGKILL`` after another; if even that wait is cancelled the group is
  killed at once, synchronously.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any

import anyio
import psutil
from anyio.abc import Process
from attrs import define, field
from mcp import types
from mcp.shared.message import SessionMessage

from hawkeye_core import FDS_PER_PROCESS
from hawkeye_introspect_mcp.limits import IntrospectionError, Limits
from hawkeye_introspect_mcp.session import SessionState

__all__ = [
    "GRACE",
    "MAX_JUNK_LINES",
    "STDIO_HOLD",
    "StdioProcess",
    "is_redacted",
    "scrubbed_env",
    "stdio_transport",
]

#: Seconds a server gets to exit after stdin closes, and again after SIGTERM.
GRACE = 0.5
MAX_JUNK_LINES = 100
_READ = 65536
_SIGKILL = getattr(signal, "SIGKILL", signal.SIGTERM)
# The markers hawkeye_core.redact puts where a secret was, whole or inside a value
# ("Bearer <redacted:bearer-token:40 chars>"); is_marker only matches whole values.
_REDACTED = re.compile(r"<redacted:[a-z0-9-]+:\d+ chars>")
#: What one started server holds of the run's budget (see the module docstring).
STDIO_HOLD = {"processes": 1, "fds": FDS_PER_PROCESS}
_KEPT_ENV = (
    ("PATH", "HOME", "SYSTEMROOT", "USERPROFILE") if sys.platform == "win32" else ("PATH", "HOME")
)


def is_redacted(value: str) -> bool:
    """Whether ``value`` holds a redaction marker (``<redacted:secret:7 chars>``) for a secret."""
    return bool(_REDACTED.search(value))


def scrubbed_env(config_env: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """The environment a stdio server gets, and notes on what could not be passed."""
    env = {name: os.environ[name] for name in _KEPT_ENV if name in os.environ}
    notes = []
    for name, value in config_env.items():
        if is_redacted(value):
            notes.append(f"environment variable {name} is redacted in the config: not passed")
        else:
            env[name] = value
    return env, notes


@define
class StdioProcess:
    """What is known of a started server: its pid, exit status, stderr tail and stdout junk."""

    pid: int | None = None
    returncode: int | None = None
    stderr: bytearray = field(factory=bytearray)
    junk_lines: int = 0
    junk_sample: str = ""

    def stderr_tail(self, chars: int = 200) -> str:
        """The end of stderr as text, for an error line (callers escape it)."""
        text = self.stderr.decode("utf-8", "replace").strip()
        return " ".join(text[-chars:].split())


@asynccontextmanager
async def stdio_transport(
    command: Sequence[str],
    env: Mapping[str, str],
    state: SessionState,
    process_info: StdioProcess,
    cwd: str | None = None,
) -> AsyncIterator[tuple[Any, Any]]:
    """Start ``command`` (in ``cwd``) and yield the stream pair of an MCP session over its stdio."""
    if cwd is not None and not Path(cwd).is_dir():
        raise IntrospectionError(f"cannot start it: its working directory {cwd[:200]!r} is missing")
    try:
        process = await anyio.open_process(
            list(command),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=dict(env),
            cwd=cwd,
            start_new_session=True,
        )
    except FileNotFoundError:
        raise IntrospectionError(f"cannot start {command[0][:200]!r}: not found") from None
    except OSError as exc:
        raise IntrospectionError(f"cannot start {command[0][:200]!r}: {exc.strerror}") from None
    process_info.pid = process.pid
    to_session, read_stream = anyio.create_memory_object_stream[SessionMessage | Exception](0)
    write_stream, from_session = anyio.create_memory_object_stream[SessionMessage](0)
    stopped = False
    try:
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(_read_stdout, process, to_session, state, process_info)
            tasks.start_soon(_write_stdin, process, from_session, to_session)
            tasks.start_soon(_read_stderr, process, state.limits, process_info)
            try:
                yield read_stream, write_stream
            finally:
                tasks.cancel_scope.cancel()
    finally:
        try:
            with anyio.CancelScope(shield=True):
                await _stop(process)
            stopped = True
        finally:
            if not stopped:  # whatever interrupted the orderly stop, the group must not survive it
                _kill_group(process.pid, _SIGKILL)
            process_info.returncode = process.returncode
            for stream in (to_session, read_stream, write_stream, from_session):
                stream.close()


async def _read_stdout(
    process: Process, to_session: Any, state: SessionState, info: StdioProcess
) -> None:
    assert process.stdout is not None
    limits = state.limits
    buffer = bytearray()
    received = 0
    async with to_session:
        with suppress(anyio.EndOfStream, anyio.ClosedResourceError, anyio.BrokenResourceError):
            while True:
                chunk = await process.stdout.receive(_READ)
                received += len(chunk)
                if received > limits.max_session_bytes:
                    state.violate(f"wrote more than {limits.max_session_bytes} bytes to stdout")
                    return
                buffer += chunk
                while (end := buffer.find(b"\n")) >= 0:
                    line = bytes(buffer[:end])
                    del buffer[: end + 1]
                    message = _parse(line, info)
                    if message is not None:
                        await to_session.send(message)
                    elif info.junk_lines > MAX_JUNK_LINES:
                        state.violate(
                            f"wrote more than {MAX_JUNK_LINES} lines that are not JSON-RPC"
                        )
                        return
                if len(buffer) > limits.max_message_bytes:
                    state.violate(f"wrote a line longer than {limits.max_message_bytes} bytes")
                    return


def _parse(line: bytes, info: StdioProcess) -> SessionMessage | None:
    if not line.strip():
        return None
    try:
        return SessionMessage(types.jsonrpc_message_adapter.validate_json(line, by_name=False))
    except ValueError:
        info.junk_lines += 1
        if not info.junk_sample:
            info.junk_sample = line[:120].decode("utf-8", "replace")
        return None


async def _write_stdin(process: Process, from_session: Any, to_session: Any) -> None:
    assert process.stdin is not None
    try:
        async with from_session:
            async for item in from_session:
                data = item.message.model_dump_json(by_alias=True, exclude_unset=True)
                await process.stdin.send(data.encode() + b"\n")
    except (anyio.ClosedResourceError, anyio.BrokenResourceError, OSError):
        # The server stopped reading: end the session's stream so no request waits forever.
        await to_session.aclose()


async def _read_stderr(process: Process, limits: Limits, info: StdioProcess) -> None:
    assert process.stderr is not None
    keep = limits.stderr_bytes
    with suppress(anyio.EndOfStream, anyio.ClosedResourceError, anyio.BrokenResourceError):
        while True:
            info.stderr += await process.stderr.receive(_READ)
            if len(info.stderr) > keep:
                del info.stderr[: len(info.stderr) - keep]


async def _stop(process: Process) -> None:
    """Close stdin, then SIGTERM and SIGKILL the group, each after a grace period."""
    if process.stdin is not None:
        with suppress(OSError, anyio.BrokenResourceError, anyio.ClosedResourceError):
            await process.stdin.aclose()
    await _wait_exit(process, GRACE)
    for sig in (signal.SIGTERM, _SIGKILL):
        if not _group_alive(process.pid):
            break
        _kill_group(process.pid, sig)
        with anyio.move_on_after(GRACE):
            while _group_alive(process.pid):
                await anyio.sleep(0.02)
    await _wait_exit(process, GRACE)  # reap the leader
    for stream in (process.stdout, process.stderr):
        if stream is not None:
            with suppress(OSError, anyio.BrokenResourceError, anyio.ClosedResourceError):
                await stream.aclose()


async def _wait_exit(process: Process, seconds: float) -> None:
    # Not process.wait(): it also waits for the pipes to close, which a child holds open.
    with anyio.move_on_after(seconds):
        while process.returncode is None:
            await anyio.sleep(0.01)


def _kill_group(pgid: int, sig: int) -> None:
    if sys.platform == "win32":
        _kill_tree(pgid)
        return
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def _kill_tree(pid: int) -> None:
    """Kill ``pid`` and every process it started (Windows has no process groups to signal).

    Children are found while the server still lives, then killed first, so
    none is left behind re-parented. Not exercised on this project's CI,
    which has no Windows machine.
    """
    try:
        server = psutil.Process(pid)
        children = server.children(recursive=True)
    except psutil.Error:
        return
    for process in (*children, server):
        with suppress(psutil.Error):
            process.kill()


def _group_alive(pgid: int) -> bool:
    """Whether a process of group ``pgid`` still runs (zombies awaiting a reaper do not count)."""
    if sys.platform == "win32":
        return psutil.pid_exists(pgid)
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    # Signal 0 also reaches zombies, which nothing here can reap once they are re-parented.
    for proc in psutil.process_iter(["status"]):
        with suppress(psutil.Error, OSError):
            if os.getpgid(proc.pid) == pgid and proc.info["status"] != psutil.STATUS_ZOMBIE:
                return True
    return False
