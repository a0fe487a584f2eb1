"""The ``mcp`` introspector: one bounded SDK session per server reference, on L3.

``McpIntrospector.run(ref, ctx)`` is the whole of it, for the pipeline and for
``hawkeye inspect`` alike:

- a per-server deadline, ``min(ctx.remaining(), timeout)``; past it the call
  fails with one line saying where it stopped;
- HTTP servers go through a circuit breaker per host (``mcp:<host>``), with the
  ``--header``/``--bearer`` headers meant for that host, over a reused client;
- a 401/403 is an auth posture (see :mod:`hawkeye_introspect_mcp.auth`), not a
  failure;
- stdio servers start only with ``allow_exec`` (see
  :mod:`hawkeye_introspect_mcp.stdio`);
- when the session fails after it opened, what was read so far is emitted as a
  partial inventory (its errors say why) before the call fails.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import attrs
import httpx2

from hawkeye_core import (
    AuthPosture,
    CallContext,
    Introspector,
    OperationTimeout,
    ServerInventory,
    ServerRef,
    terminal_safe,
    timeout_context,
)
from hawkeye_introspect_mcp.auth import METADATA_BYTES, decode_metadata, origin_of, probe_posture
from hawkeye_introspect_mcp.http_clients import (
    Challenge,
    ClientKey,
    HttpClients,
    sse_transport,
    streamable_transport,
)
from hawkeye_introspect_mcp.limits import PLUGIN_NAME, IntrospectionError, Limits
from hawkeye_introspect_mcp.load import LoopLoad
from hawkeye_introspect_mcp.session import SessionState, inventory_session
from hawkeye_introspect_mcp.stdio import (
    STDIO_HOLD,
    StdioProcess,
    is_redacted,
    scrubbed_env,
    stdio_transport,
)

__all__ = ["NOT_STARTED", "TRANSPORTS", "McpIntrospector"]

TRANSPORTS = frozenset({"streamable-http", "sse", "stdio"})
NOT_STARTED = "not started: stdio servers from configs run only with --allow-exec"
NOT_STARTED_DISABLED = "not started: the config marks this server disabled"
DISABLED = "disabled in config"  # the evidence line config discovery gives a disabled entry
#: Seconds one metadata document may take, all of one server's may take, and how long
#: fetched documents are kept for other servers of the run.
_METADATA_TIMEOUT = 3.0
_METADATA_BUDGET = 6.0
_METADATA_TTL = 300.0
_MISSING = object()
_SDK_LOGGERS = ("mcp", "httpx2", "httpcore2")
# AuthPosture has no field for the authorization servers' metadata yet; once the
# core adds it under this name it is filled. Until then the documents are fetched
# (bounded, cached for the run) and only their absence is noted.
_SERVER_METADATA = "authorization_server_metadata"
_KEEPS_SERVER_METADATA = _SERVER_METADATA in attrs.fields_dict(AuthPosture)

Body = Callable[[ServerRef, Limits, CallContext, SessionState], Awaitable[ServerInventory]]


class McpIntrospector:
    """Inventories MCP servers with the official SDK client. One per registry (per run)."""

    def __init__(self) -> None:
        self.clients = HttpClients()
        self.load = LoopLoad()
        _quiet_sdk_logs()

    def record(self) -> Introspector:
        """The :class:`hawkeye_core.Introspector` record that registers :meth:`run`."""
        return Introspector(
            name="mcp",
            transports=TRANSPORTS,  # type: ignore[arg-type]  # attrs types the converter loosely
            run=self.run,
            holds=_holds,
            description="Full MCP session with the official SDK client: server info, protocol, "
            "capabilities, tools, resources, templates and prompts (paginated), auth posture.",
        )

    async def run(self, ref: ServerRef, ctx: CallContext) -> ServerInventory:
        """Inventory the server ``ref`` names; raise IntrospectionError if it cannot be."""
        limits = Limits.from_options(ctx.options)
        seconds = min(ctx.remaining(), limits.timeout)
        if seconds <= 0:
            raise IntrospectionError("no time left before the call's deadline")
        if ref.transport == "stdio":
            if not ctx.settings.allow_exec:
                return ServerInventory(ref=ref, errors=[NOT_STARTED])
            if DISABLED in ref.evidence:  # the user's client does not start it: neither do we
                return ServerInventory(ref=ref, errors=[NOT_STARTED_DISABLED])
            return await self._bounded(ref, limits, seconds, ctx, self._stdio)
        if not ref.url or urlsplit(ref.url).scheme not in ("http", "https"):
            raise IntrospectionError(f"not an http(s) URL: {terminal_safe(ref.url or '', 200)}")
        host = (urlsplit(ref.url).hostname or "").lower()
        with ctx.breakers.get(f"mcp:{host}").guard():
            return await self._bounded(ref, limits, seconds, ctx, self._http)

    async def _bounded(
        self, ref: ServerRef, limits: Limits, seconds: float, ctx: CallContext, body: Body
    ) -> ServerInventory:
        state = SessionState(ref, limits)
        try:
            async with timeout_context(seconds, f"introspecting {ref.key}"):
                return await body(ref, limits, ctx, state)
        except OperationTimeout as exc:
            failure = IntrospectionError(
                f"no complete answer within {seconds:g} s (stopped during {state.stage})"
            )
            self._emit_partial(ctx, state, failure)
            raise failure from exc
        except IntrospectionError as exc:
            self._emit_partial(ctx, state, exc)
            raise

    @staticmethod
    def _emit_partial(ctx: CallContext, state: SessionState, failure: Exception) -> None:
        if state.connected:
            ctx.emit(state.inventory(str(failure)))

    async def _http(
        self, ref: ServerRef, limits: Limits, ctx: CallContext, state: SessionState
    ) -> ServerInventory:
        url = ref.url or ""
        headers = ctx.settings.headers_for(url)
        # Certificates are checked when a credential could leak to an impostor; otherwise
        # the scanner talks to self-signed servers like any other (tls_verify overrides).
        verify = bool(headers) if limits.tls_verify is None else limits.tls_verify
        key = ClientKey(
            origin=origin_of(url),
            headers=tuple(sorted(headers.items())),
            verify=verify,
            timeout=limits.request_timeout,
        )
        open_transport = sse_transport if ref.transport == "sse" else streamable_transport
        async with self.clients.lend(key, limits) as lent:
            # Lists read at once take a connection each: worth it only while the loop
            # has CPU to spare (see hawkeye_introspect_mcp.load).
            state.parallel_lists = not self.load.busy()
            try:
                inventory = await inventory_session(open_transport(url, lent, limits), state)
            except IntrospectionError as exc:
                challenge = lent.meter.challenge
                if challenge is None and lent.meter.violation:
                    raise IntrospectionError(
                        f"{state.stage}: the server {lent.meter.violation}"
                    ) from exc
                if challenge is None:
                    raise
            else:
                if lent.meter.violation:
                    raise IntrospectionError(f"the server {lent.meter.violation}")
                required = False if not headers else None  # unknown without a bare attempt
                return attrs.evolve(inventory, auth=AuthPosture(required=required))
        return await self._posture(ref, challenge, bool(headers), limits, ctx, state)

    async def _posture(
        self,
        ref: ServerRef,
        challenge: Challenge,
        sent_credentials: bool,
        limits: Limits,
        ctx: CallContext,
        state: SessionState,
    ) -> ServerInventory:
        state.stage = "reading the auth metadata"
        found = await probe_posture(
            ref.url or "", challenge, self.metadata_fetcher(limits, ctx), state.clipper, ref.auth
        )
        auth = found.auth
        if _KEEPS_SERVER_METADATA:
            extra: dict[str, Any] = {_SERVER_METADATA: found.authorization_server_metadata}
            auth = attrs.evolve(auth, **extra)
        challenge_text = terminal_safe(challenge.www_authenticate or "no WWW-Authenticate", 200)
        if sent_credentials:
            error = f"the credentials sent were refused: HTTP {challenge.status} ({challenge_text})"
        else:
            error = (
                f"needs credentials: HTTP {challenge.status} ({challenge_text}); "
                "pass --bearer TOKEN or --header NAME:VALUE for this host"
            )
        return ServerInventory(ref=ref, auth=auth, errors=[error, *found.notes])

    def metadata_fetcher(
        self, limits: Limits, ctx: CallContext
    ) -> Callable[[str], Awaitable[Mapping[str, Any] | None]]:
        """GET JSON documents without credentials: each bounded, all within a budget, cached.

        Unreachable authorization servers must not eat the server's deadline: once
        ``_METADATA_BUDGET`` seconds are spent, further fetches find nothing.
        """
        verify = bool(limits.tls_verify)
        budget_ends = time.monotonic() + _METADATA_BUDGET

        async def fetch(url: str) -> Mapping[str, Any] | None:
            if not url.startswith(("http://", "https://")):
                return None
            cache_key = (PLUGIN_NAME, "metadata", url)
            cached = ctx.cache.get(cache_key, _MISSING)
            if cached is not _MISSING:
                return cached if isinstance(cached, Mapping) else None
            seconds = min(_METADATA_TIMEOUT, limits.request_timeout, budget_ends - time.monotonic())
            if seconds <= 0:
                return None
            key = ClientKey(origin=origin_of(url), verify=verify, timeout=seconds)
            document = None
            try:
                async with (
                    timeout_context(seconds, f"GET {url}"),
                    self.clients.lend(key, limits) as lent,
                    lent.client.stream("GET", url, headers={"Accept": "application/json"}) as reply,
                ):
                    if reply.status_code == 200:
                        document = decode_metadata(await _read_at_most(reply, METADATA_BYTES + 1))
            except (httpx2.HTTPError, OperationTimeout, OSError):
                return None  # unreachable now is not "absent": not cached
            ctx.cache.set(cache_key, document, ttl=_METADATA_TTL)
            return document

        return fetch

    async def _stdio(
        self, ref: ServerRef, limits: Limits, ctx: CallContext, state: SessionState
    ) -> ServerInventory:
        env, notes = scrubbed_env(ref.env)
        command = list(ref.command or ())
        if any(is_redacted(arg) for arg in command):
            notes.append("the command line holds redacted values: they were passed as markers")
        state.notes.extend(notes)
        process = StdioProcess()
        try:
            inventory = await inventory_session(
                stdio_transport(command, env, state, process, ref.cwd), state
            )
        except IntrospectionError as exc:
            raise IntrospectionError(f"{exc}{_exit_detail(process)}") from exc
        if process.junk_lines:
            sample = terminal_safe(process.junk_sample, 80)
            note = (
                f"the server wrote {process.junk_lines} lines to stdout that are not JSON-RPC "
                f"(first: {sample!r}); they were skipped"
            )
            inventory = attrs.evolve(inventory, errors=(*inventory.errors, note))
        return inventory


def _holds(ref: ServerRef) -> dict[str, int] | None:
    """A stdio server is a process of ours: its session starts only with a process slot free.

    The runner waits for the slot before the call's deadline starts, so servers
    queued behind slow ones (``npx`` fetching a package) neither time out nor
    count against the plugin's circuit breaker.
    """
    return STDIO_HOLD if ref.transport == "stdio" else None


def _quiet_sdk_logs() -> None:
    """Keep the SDK's logs out of the terminal unless HawkEye logs at debug level (-vv).

    The SDK logs what a server sent when it cannot parse it, traceback and all:
    hostile bytes, unescaped, on the user's terminal.
    """
    debug = logging.getLogger("hawkeye").isEnabledFor(logging.DEBUG)
    for name in _SDK_LOGGERS:
        logging.getLogger(name).setLevel(logging.NOTSET if debug else logging.CRITICAL)


def _exit_detail(process: StdioProcess) -> str:
    parts = []
    if process.returncode is not None:
        code = process.returncode
        parts.append(f"exit status {code}" if code >= 0 else f"killed by signal {-code}")
    tail = process.stderr_tail()
    if tail:
        parts.append(f"stderr ends: {terminal_safe(tail, 160)!r}")
    return f" ({'; '.join(parts)})" if parts else ""


async def _read_at_most(reply: httpx2.Response, limit: int) -> bytes:
    body = bytearray()
    async for chunk in reply.aiter_bytes():
        body += chunk
        if len(body) >= limit:
            break
    return bytes(body)
