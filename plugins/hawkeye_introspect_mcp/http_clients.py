"""HTTP for the SDK's transports: reused clients, metered and capped answers.

The SDK's Streamable HTTP transport takes an ``httpx2.AsyncClient``
(``streamable_http_client(url, http_client=...)``) and its legacy SSE transport
takes a factory for one (``sse_client(url, httpx_client_factory=...)``), so
clients are reused: :class:`HttpClients` keeps them in an
:class:`hawkeye_core.AsyncConnectionPool` keyed per server origin (and the
headers and TLS mode it was built with), one pool per event loop, closed when
that loop shuts down. Building a client is cheap here because the TLS context
is built once and shared.

Every answer passes through a :class:`Meter`: a body larger than
``max_message_bytes`` (or a stream beyond ``max_session_bytes``) is cut with
:class:`AnswerTooLarge`, and the first 401/403 with its ``WWW-Authenticate``
is noted for the auth posture. Environment proxies and ``.netrc`` are ignored
(``trust_env=False``): a scanned server must never receive credentials from
the user's home directory.
"""

from __future__ import annotations

import asyncio
import ssl
import weakref
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, cast

import httpx2
from attrs import define, field, frozen
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamable_http_client

from hawkeye_core import AsyncConnectionPool, __version__
from hawkeye_introspect_mcp.limits import Limits

__all__ = [
    "USER_AGENT",
    "AnswerTooLarge",
    "Challenge",
    "ClientKey",
    "HttpClients",
    "Lent",
    "Meter",
    "sse_transport",
    "streamable_transport",
]

USER_AGENT = f"hawkeye/{__version__}"
_CHALLENGE_CHARS = 2048
_DELETE_TIMEOUT = 1.0


class AnswerTooLarge(httpx2.StreamError):
    """An HTTP answer went past its byte cap.

    A ``StreamError``, so the SDK turns it into a failed request (a per-list
    error) instead of a crash of its transport.
    """


@frozen
class Challenge:
    """The first 401 or 403 a server answered, with its ``WWW-Authenticate``."""

    status: int
    www_authenticate: str | None
    url: str


@define
class Meter:
    """What one session received over a lent client."""

    limits: Limits = field(factory=Limits)
    received: int = 0
    challenge: Challenge | None = None
    violation: str | None = None  # the session's byte budget ran out

    def reset(self, limits: Limits) -> None:
        """Start counting for a new session."""
        self.limits = limits
        self.received = 0
        self.challenge = None
        self.violation = None

    def saw(self, request: httpx2.Request, response: httpx2.Response) -> None:
        """Note an answer's status before its body is read."""
        if response.status_code in (401, 403) and self.challenge is None:
            header = response.headers.get("www-authenticate")
            self.challenge = Challenge(
                status=response.status_code,
                www_authenticate=header[:_CHALLENGE_CHARS] if header is not None else None,
                url=str(request.url),
            )


class _CappedStream(httpx2.AsyncByteStream):
    def __init__(self, inner: httpx2.AsyncByteStream, meter: Meter, cap: int) -> None:
        self._inner = inner
        self._meter = meter
        self._cap = cap

    async def __aiter__(self) -> AsyncIterator[bytes]:
        meter, received = self._meter, 0
        async for chunk in self._inner:
            received += len(chunk)
            meter.received += len(chunk)
            if meter.received > meter.limits.max_session_bytes:
                meter.violation = f"sent more than {_size(meter.limits.max_session_bytes)} in all"
                raise AnswerTooLarge(meter.violation)
            if received > self._cap:
                raise AnswerTooLarge(f"an answer larger than {_size(self._cap)}")
            yield chunk

    async def aclose(self) -> None:
        await self._inner.aclose()


class _MeteredTransport(httpx2.AsyncBaseTransport):
    """Counts and caps every answer's body, and notes auth challenges."""

    def __init__(self, inner: httpx2.AsyncBaseTransport, meter: Meter) -> None:
        self._inner = inner
        self._meter = meter

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        if request.method == "DELETE":
            # The SDK ends a session with a DELETE while it unwinds, past any deadline
            # already spent: a server that never answers it must not hold us there.
            async with asyncio.timeout(_DELETE_TIMEOUT):
                response = await self._inner.handle_async_request(request)
        else:
            response = await self._inner.handle_async_request(request)
        self._meter.saw(request, response)
        limits = self._meter.limits
        streaming = "text/event-stream" in response.headers.get("content-type", "").lower()
        # An event stream is one answer per event (capped by the SDK per event); its
        # whole length is bounded by the session's budget and the deadline.
        cap = limits.max_session_bytes if streaming else limits.max_message_bytes
        # The body is not read yet: swapping its stream caps it (as the client's own
        # BoundAsyncStream does), without building a second Response.
        stream = cast(httpx2.AsyncByteStream, response.stream)
        response.stream = _CappedStream(stream, self._meter, cap)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


@frozen
class ClientKey:
    """What a lent client is for: one origin, the headers it sends, its TLS mode, its timeout."""

    origin: str
    headers: tuple[tuple[str, str], ...] = ()
    verify: bool = False
    timeout: float = 10.0  # seconds one HTTP operation (connect, a read) may take


@define
class Lent:
    """A client lent to one session at a time, with the meter of that session."""

    client: httpx2.AsyncClient
    meter: Meter


class HttpClients:
    """Reusable HTTP clients per server origin; safe to share between event loops.

    Each event loop that uses it gets its own pool. When the loop shuts down
    (a level's loop at the end of a run, ``asyncio.run`` or ``run_sync`` when
    their coroutine ends) it cancels its tasks, and a keeper task closes that
    loop's clients on its way out, while the loop can still run the closing.
    """

    def __init__(self, *, max_per_key: int = 4, max_total: int = 64, idle_timeout: float = 30.0):
        self._max_per_key = max_per_key
        self._max_total = max_total
        self._idle_timeout = idle_timeout
        self._pools: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, AsyncConnectionPool[ClientKey, Lent]
        ] = weakref.WeakKeyDictionary()
        self._keepers: set[asyncio.Task[None]] = set()
        self._tls: dict[bool, ssl.SSLContext] = {}

    def __getstate__(self) -> dict[str, Any]:
        # Pools, tasks and TLS contexts stay with their loop; a copy starts empty.
        return {
            "max_per_key": self._max_per_key,
            "max_total": self._max_total,
            "idle_timeout": self._idle_timeout,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(**state)  # type: ignore[misc]

    @asynccontextmanager
    async def lend(self, key: ClientKey, limits: Limits) -> AsyncIterator[Lent]:
        """Borrow a client for ``key`` for one session; it is closed, not reused, if it raised."""
        pool = self._pool()
        async with pool.connection(key) as lent:
            lent.meter.reset(limits)
            yield lent
        await pool.prune()

    def stats(self) -> dict[str, int]:
        """Created, reused and closed clients, summed over the live pools."""
        totals = {"created": 0, "reused": 0, "closed": 0}
        for pool in list(self._pools.values()):
            stats = pool.stats()
            for name in totals:
                totals[name] += getattr(stats, name)
        return totals

    def _pool(self) -> AsyncConnectionPool[ClientKey, Lent]:
        loop = asyncio.get_running_loop()
        pool = self._pools.get(loop)
        if pool is None:
            pool = AsyncConnectionPool(
                self._open,
                close=_close,
                max_per_key=self._max_per_key,
                max_total=self._max_total,
                idle_timeout=self._idle_timeout,
            )
            self._pools[loop] = pool
            keeper = loop.create_task(_close_with_loop(pool), name="hawkeye-mcp-http-clients")
            self._keepers.add(keeper)
            keeper.add_done_callback(self._keepers.discard)
        return pool

    async def _open(self, key: ClientKey) -> Lent:
        meter = Meter()
        transport = httpx2.AsyncHTTPTransport(verify=self._tls_context(key.verify), trust_env=False)
        client = httpx2.AsyncClient(
            transport=_MeteredTransport(transport, meter),
            headers={"User-Agent": USER_AGENT, **dict(key.headers)},
            timeout=httpx2.Timeout(key.timeout, connect=min(key.timeout, 10.0)),
            follow_redirects=False,
            trust_env=False,
        )
        return Lent(client=client, meter=meter)

    def _tls_context(self, verify: bool) -> ssl.SSLContext:
        context = self._tls.get(verify)
        if context is None:  # building one costs ~20 ms: once per mode
            context = self._tls[verify] = httpx2.create_ssl_context(verify=verify, trust_env=False)
        return context


async def _close(lent: Lent) -> None:
    await lent.client.aclose()


async def _close_with_loop(pool: AsyncConnectionPool[ClientKey, Lent]) -> None:
    try:
        await asyncio.Event().wait()
    finally:
        await pool.aclose()


def streamable_transport(url: str, lent: Lent, limits: Limits) -> Any:
    """The SDK's Streamable HTTP transport over a lent client."""
    return streamable_http_client(
        url,
        http_client=lent.client,
        terminate_on_close=True,
        max_sse_event_size=limits.max_message_bytes,
    )


def sse_transport(url: str, lent: Lent, limits: Limits) -> Any:
    """The SDK's legacy HTTP+SSE transport over a lent client (its timeouts apply)."""
    return sse_client(url, httpx_client_factory=_lender(lent.client))


class _Borrowed:
    """``async with`` that hands out a client without closing it (it goes back to the pool)."""

    def __init__(self, client: httpx2.AsyncClient) -> None:
        self._client = client

    async def __aenter__(self) -> httpx2.AsyncClient:
        return self._client

    async def __aexit__(self, *exc: object) -> None:
        return None


def _lender(client: httpx2.AsyncClient) -> Callable[..., httpx2.AsyncClient]:
    # sse_client builds its client with the factory and closes it with ``async with``;
    # the stand-in keeps the pooled one open. Its headers and timeouts are the pool's.
    def factory(**_: Any) -> httpx2.AsyncClient:
        return cast(httpx2.AsyncClient, _Borrowed(client))

    return factory


def _size(count: int) -> str:
    if count >= 1 << 20 and count % (1 << 20) == 0:
        return f"{count >> 20} MiB"
    if count >= 1 << 10 and count % (1 << 10) == 0:
        return f"{count >> 10} KiB"
    return f"{count} bytes"
