"""Start and stop the lab: each network server is uvicorn in a thread on a loopback socket.

Every port is bound before any server starts, so a port in use fails the whole
lab with one :class:`LabError` naming it, and nothing is left running. Servers
bind loopback addresses only; asking for any other address is an error. The
stdio servers are not started here: they are config entries (see
:meth:`Lab.client_config`) that HawkEye starts itself with ``--allow-exec``.

>>> with running_lab() as lab:                       # doctest: +SKIP
...     url = lab.server("benign").url               # random free ports
>>> with Lab.many(50) as lab:                         # doctest: +SKIP
...     urls = [s.url for s in lab.network]          # 25 weather, 25 quick-math
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import ipaddress
import json
import os
import shlex
import socket
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
from attrs import frozen

from hawkeye_lab.catalogue import CATALOGUE, NETWORK_COUNT, STDIO, ServerSpec, spec

__all__ = [
    "CONFIG_MARKER",
    "DEFAULT_HOST",
    "DEFAULT_PORT_BASE",
    "Lab",
    "LabError",
    "LabServer",
    "planned_servers",
    "running_lab",
    "start_lab",
]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT_BASE = 8101
#: The key that marks a client config as the lab's own (so it may be overwritten).
CONFIG_MARKER = "hawkeyeLab"
_START_SECONDS = 10.0
_STOP_SECONDS = 10.0
_MAX_DELAY = 5.0


class LabError(Exception):
    """The lab could not start (a port in use, a bad address); the message is one line."""


@frozen(kw_only=True)
class LabServer:
    """A lab server as it runs: where to reach it, or the command a config gives for it."""

    key: str
    name: str
    transport: str
    summary: str
    rules: tuple[str, ...]
    url: str | None = None
    port: int | None = None
    command: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    disabled: bool = False

    @property
    def running(self) -> bool:
        """True for the network servers the lab serves; stdio servers are config entries."""
        return self.url is not None

    @property
    def where(self) -> str:
        """``127.0.0.1:8101/mcp`` for a network server, ``stdio`` (``disabled``) otherwise."""
        if self.url is not None:
            return self.url.split("://", 1)[1]
        return "stdio, disabled" if self.disabled else "stdio"


@attrs.define
class _Served:
    """One network server while it runs: uvicorn, its thread and its socket."""

    server: LabServer
    uvicorn: Any
    thread: threading.Thread
    sock: socket.socket


def _check_loopback(host: str) -> None:
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise LabError(f"the lab serves loopback addresses only (127.0.0.1, ::1), not {host!r}")


def _origin(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _bind(host: str, port: int, key: str) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP: asyncio sets TCP_NODELAY only on sockets that say they are
    # TCP; without it every answer waits ~40 ms for the client's delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        # Lets a restarted lab take its ports back from TIME_WAIT; a port another
        # socket listens on is still refused.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            reason = "is already in use"
        elif exc.errno == errno.EACCES:
            reason = "needs privileges"
        else:
            reason = f"cannot be bound ({exc.strerror or exc})"
        raise LabError(
            f"port {port} on {host} {reason} (lab server {key}); "
            "stop what holds it or choose another --port-base"
        ) from None
    return sock


class _Delayed:
    """An ASGI app that waits ``delay`` seconds before each HTTP request (lifespan as is)."""

    def __init__(self, app: Any, delay: float) -> None:
        self.app = app
        self.delay = delay

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope.get("type") == "http":
            await asyncio.sleep(self.delay)
        await self.app(scope, receive, send)


def _uvicorn(app: Any) -> Any:
    import uvicorn

    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=1,
    )
    return uvicorn.Server(config)


class Lab:
    """A running lab: its servers, the commands to scan them, and its client config.

    Use it as a context manager (or call :meth:`stop`): every server is stopped,
    its thread joined and its socket closed, whatever happened inside.
    """

    def __init__(self, servers: Sequence[LabServer], served: Sequence[_Served], host: str) -> None:
        self.servers: tuple[LabServer, ...] = tuple(servers)
        self.host = host
        self._served = list(served)

    @classmethod
    @contextlib.contextmanager
    def many(
        cls,
        count: int,
        *,
        kinds: Sequence[str] = ("benign", "poisoned-tools"),
        host: str = DEFAULT_HOST,
        delay: float = 0.0,
    ) -> Iterator[Lab]:
        """Run ``count`` network servers on random ports, cycling through ``kinds``.

        For benchmarks and load tests: by default half are the benign ``weather``
        server and half the poisoned ``quick-math``. Keys are ``benign-1``,
        ``poisoned-tools-2``, ...; servers of one kind share their MCP name.
        ``delay`` seconds are waited before each HTTP request is handled, as if
        the servers were that much further away (loopback has no ``tc netem`` here).
        """
        if count < 1:
            raise ValueError(f"count must be at least 1, not {count}")
        if not 0.0 <= delay <= _MAX_DELAY:
            raise ValueError(f"delay must be from 0 to {_MAX_DELAY:g} seconds, not {delay!r}")
        chosen = [spec(kind) for kind in kinds]
        if not chosen or any(s.build is None for s in chosen):
            raise ValueError("kinds must name network servers of the lab")
        specs = [chosen[i % len(chosen)] for i in range(count)]
        keys = [f"{s.key}-{i + 1}" for i, s in enumerate(specs)]
        lab = _start(specs, keys, port_base=None, host=host, delay=delay)
        with lab:
            yield lab

    @property
    def network(self) -> tuple[LabServer, ...]:
        """The servers that listen on a port, in port order."""
        return tuple(s for s in self.servers if s.running)

    @property
    def ports(self) -> tuple[int, ...]:
        """The ports the lab listens on."""
        return tuple(s.port for s in self.network if s.port is not None)

    def server(self, key: str) -> LabServer:
        """The server with this key or MCP name (the first, for copies); KeyError if none."""
        for item in self.servers:
            if key in (item.key, item.name):
                return item
        raise KeyError(key)

    def scan_commands(self, config_path: str | os.PathLike[str] | None = None) -> list[str]:
        """The command lines that scan the lab: the network servers, then the client config."""
        ports = sorted(self.ports)
        commands = []
        if ports:
            if ports == list(range(ports[0], ports[-1] + 1)) and len(ports) > 1:
                listed = f"{ports[0]}-{ports[-1]}"
            else:
                listed = ",".join(str(p) for p in ports)
            commands.append(f"hawkeye scan {self.host} -p {listed}")
        if any(not s.running for s in self.servers):
            shown = str(config_path) if config_path else "lab-mcp.json"
            commands.append(f"hawkeye scan --client-config {shlex.quote(shown)} --allow-exec")
        return commands

    def client_config(self) -> dict[str, Any]:
        """A Claude Desktop-style ``mcpServers`` document naming every lab server.

        Network servers are URL entries, stdio servers command entries with their
        environment (the secrets in it are fake); a disabled entry says so.
        """
        names = [s.name for s in self.servers]
        entries: dict[str, Any] = {}
        for item in self.servers:
            entry_name = item.name if names.count(item.name) == 1 else item.key
            entry: dict[str, Any]
            if item.url is not None:
                entry = {"type": "sse" if item.transport == "sse" else "http", "url": item.url}
            else:
                entry = {"command": item.command[0], "args": list(item.command[1:])}
                if item.env:
                    entry["env"] = dict(item.env)
            if item.disabled:
                entry["disabled"] = True
            entries[entry_name] = entry
        note = (
            "Written by 'hawkeye lab': intentionally vulnerable MCP servers on loopback. "
            "Every secret in this file is fake."
        )
        return {CONFIG_MARKER: {"note": note}, "mcpServers": entries}

    def write_config(self, path: str | os.PathLike[str]) -> Path:
        """Write :meth:`client_config` to ``path``, readable by everyone (mode 0644).

        Refuses (LabError) to overwrite a file that is not a lab config, so a
        slip of the finger cannot replace a real client's configuration.
        """
        target = Path(path)
        if target.exists():
            try:
                existing = json.loads(target.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                existing = None
            if not isinstance(existing, Mapping) or CONFIG_MARKER not in existing:
                raise LabError(f"{target} exists and is not a HawkEye lab config; choose another")
        try:
            target.write_text(json.dumps(self.client_config(), indent=2) + "\n", encoding="utf-8")
            # World-readable on purpose, as client configs often are: HE-CFG-006 has a case.
            target.chmod(0o644)
        except OSError as exc:
            raise LabError(f"cannot write {target}: {exc.strerror or exc}") from None
        return target

    def stop(self) -> None:
        """Stop every server, join its thread and close its socket (again: no-op)."""
        served, self._served = self._served, []
        for item in served:
            item.uvicorn.should_exit = True
        for item in served:
            if item.thread.ident is None:  # never started
                item.sock.close()
                continue
            item.thread.join(_STOP_SECONDS)
            if item.thread.is_alive():
                item.uvicorn.force_exit = True
                item.thread.join(_STOP_SECONDS)
            item.sock.close()

    def __enter__(self) -> Lab:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _planned(specs: Sequence[ServerSpec], port_base: int | None) -> list[int]:
    if port_base is None or port_base == 0:
        return [0] * len(specs)
    if port_base < 1 or port_base + NETWORK_COUNT - 1 > 65535:
        raise LabError(f"--port-base {port_base} puts lab ports outside 1-65535")
    return [port_base + (s.offset or 0) for s in specs]


def planned_servers(
    port_base: int = DEFAULT_PORT_BASE, host: str = DEFAULT_HOST
) -> tuple[LabServer, ...]:
    """The catalogue as ``hawkeye lab --port-base`` would serve it, without starting it."""
    ports = _planned(CATALOGUE, port_base)
    return tuple(
        _server(item, item.key, host, port if item.build is not None else None)
        for item, port in zip(CATALOGUE, ports, strict=True)
    )


def _server(item: ServerSpec, key: str, host: str, port: int | None) -> LabServer:
    url = None if port is None else _origin(host, port) + item.path
    return LabServer(
        key=key,
        name=item.name,
        transport=item.transport,
        summary=item.summary,
        rules=item.rules,
        url=url,
        port=port,
        command=item.command,
        env=item.env,
        disabled=item.disabled,
    )


def _start(
    specs: Sequence[ServerSpec],
    keys: Sequence[str],
    *,
    port_base: int | None,
    host: str,
    delay: float = 0.0,
) -> Lab:
    _check_loopback(host)
    network = [(s, k) for s, k in zip(specs, keys, strict=True) if s.transport != STDIO]
    ports = _planned([s for s, _ in network], port_base)
    sockets: list[socket.socket] = []
    served: list[_Served] = []
    try:
        for (_, key), port in zip(network, ports, strict=True):
            sockets.append(_bind(host, port, key))
        for (item, key), sock in zip(network, sockets, strict=True):
            port = sock.getsockname()[1]
            assert item.build is not None
            app = item.build(host, port)
            server = _uvicorn(_Delayed(app, delay) if delay else app)
            thread = threading.Thread(
                target=server.run,
                kwargs={"sockets": [sock]},
                name=f"hawkeye-lab-{key}",
                daemon=True,
            )
            served.append(_Served(_server(item, key, host, port), server, thread, sock))
        for running in served:
            running.thread.start()
        _wait_started(served)
    except BaseException:
        Lab([], served, host).stop()
        for sock in sockets:
            sock.close()
        raise
    by_key = {running.server.key: running.server for running in served}
    servers = [
        by_key.get(key) or _server(item, key, host, None)
        for item, key in zip(specs, keys, strict=True)
    ]
    return Lab(servers, served, host)


def _wait_started(served: Iterable[_Served]) -> None:
    pending = list(served)
    deadline = time.monotonic() + _START_SECONDS + 0.05 * len(pending)
    while pending:
        for item in list(pending):
            if item.uvicorn.started:
                pending.remove(item)
            elif not item.thread.is_alive():
                raise LabError(f"lab server {item.server.key} on port {item.server.port} failed")
        if pending and time.monotonic() > deadline:
            names = ", ".join(item.server.key for item in pending)
            raise LabError(f"lab servers did not start in time: {names}")
        time.sleep(0.01)


def start_lab(
    port_base: int | None = DEFAULT_PORT_BASE,
    *,
    host: str = DEFAULT_HOST,
    only: Iterable[str] | None = None,
) -> Lab:
    """Start the lab's network servers and return the running :class:`Lab`.

    ``port_base`` None or 0 picks random free ports; otherwise each server gets
    ``port_base`` plus its offset (8101-8110 by default). ``only`` limits the lab
    to some servers (keys or MCP names). Raises :class:`LabError` when a port is
    in use or ``host`` is not a loopback address; nothing is left running then.
    """
    wanted = set(only) if only is not None else None
    specs = [s for s in CATALOGUE if wanted is None or {s.key, s.name} & wanted]
    if wanted is not None:
        unknown = wanted - {s.key for s in specs} - {s.name for s in specs}
        if unknown:
            raise ValueError(f"no lab server is called {sorted(unknown)[0]!r}")
    return _start(specs, [s.key for s in specs], port_base=port_base, host=host)


@contextlib.contextmanager
def running_lab(
    port_base: int | None = None,
    *,
    host: str = DEFAULT_HOST,
    only: Iterable[str] | None = None,
) -> Iterator[Lab]:
    """The lab, running for the ``with`` block (random free ports unless ``port_base``)."""
    lab = start_lab(port_base, host=host, only=only)
    try:
        yield lab
    finally:
        lab.stop()
