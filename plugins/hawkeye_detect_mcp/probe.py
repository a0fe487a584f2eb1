"""Bounded HTTP exchanges with one endpoint, for one detection.

A :class:`Prober` owns the single ``httpx.AsyncClient`` of a ``detect`` call
and enforces its rules on every request: the endpoint's time budget (each
request also has its own, shorter, timeout), a rate-limit admission per request
when the user set a rate, a cap on the bytes read, no proxies from the
environment, no compressed bodies, and redirects followed only within the same
origin. Network failures become :class:`ProbeError` with a kind the ladder can
reason about (``timeout``, ``refused``, ``tls``, ``protocol``, ...).
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit

import attrs
import httpx

from hawkeye_core import CallContext, __version__
from hawkeye_detect_mcp.messages import parse_json, short
from hawkeye_detect_mcp.sse import SSEEvent, SSEParser, looks_like_sse

__all__ = ["EventStream", "ProbeError", "Prober", "Reply", "origin_of"]

#: SSE events read while waiting for the one a probe is after.
MAX_EVENTS = 16
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


class ProbeError(Exception):
    """A request that got no HTTP answer. ``kind`` says why."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind  # timeout, refused, tls, protocol, reset, connect, budget, url


@attrs.define
class Reply:
    """One HTTP answer, read within bounds."""

    method: str
    url: str
    status: int
    headers: httpx.Headers
    content_type: str  # media type, lower case, no parameters
    body: bytes  # at most the prober's max_bytes
    events: list[SSEEvent] = attrs.Factory(list)  # when the body is an event stream
    redirected_from: str | None = None  # the path that redirected here

    @property
    def path(self) -> str:
        return urlsplit(self.url).path or "/"

    def messages(self) -> list[Any]:
        """The JSON values of the body, or of each SSE event's data."""
        if self.events:
            return [parse_json(e.data) for e in self.events if e.event == "message"]
        value = parse_json(self.body)
        return [value] if value is not None else []

    def summary(self) -> str:
        """``200 text/event-stream`` for evidence lines."""
        kind = short(self.content_type, 60) or "no content-type"
        return f"{self.status} {kind}"

    def text(self, limit: int = 300) -> str:
        return short(self.body.decode("utf-8", "replace"), limit)


def origin_of(scheme: str, host: str, port: int) -> str:
    """``scheme://host:port`` with IPv6 literals in brackets."""
    shown = f"[{host}]" if ":" in host else host
    return f"{scheme}://{shown}:{port}"


def _unverified_context() -> ssl.SSLContext:
    # Scanning finds self-signed and expired certificates; record them, don't refuse them.
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _classify(exc: BaseException, scheme: str) -> ProbeError:
    cause = exc.__cause__ or exc.__context__
    text = short(str(exc) or type(exc).__name__, 120)
    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        return ProbeError("timeout", text or "timed out")
    if isinstance(exc, httpx.ConnectError):
        if isinstance(cause, ssl.SSLError) or "SSL" in text:
            return ProbeError("tls", text)
        if isinstance(cause, ConnectionRefusedError) or "refused" in text.lower():
            return ProbeError("refused", text)
        return ProbeError("tls" if scheme == "https" else "connect", text)
    if isinstance(exc, httpx.RemoteProtocolError | httpx.LocalProtocolError):
        return ProbeError("protocol", text)
    if isinstance(exc, httpx.ReadError | httpx.WriteError | ConnectionError):
        return ProbeError("reset", text)
    if isinstance(exc, ssl.SSLError):
        return ProbeError("tls", text)
    return ProbeError("url" if isinstance(exc, ValueError | httpx.InvalidURL) else "connect", text)


_NETWORK_ERRORS = (
    httpx.HTTPError,
    httpx.InvalidURL,
    httpx.StreamError,
    OSError,
    TimeoutError,
    ValueError,
)


class Prober:
    """The HTTP side of one detection: one client, one budget, bounded reads."""

    def __init__(
        self,
        ctx: CallContext,
        host: str,
        port: int,
        *,
        budget: float,
        timeout: float,
        max_bytes: int,
    ) -> None:
        self.ctx = ctx
        self.host = host
        self.port = port
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.deadline = time.monotonic() + max(0.0, min(budget, ctx.remaining()))
        self.requests = 0
        self.peer_certificate: bytes | None = None  # DER, from the first https answer
        self._client = httpx.AsyncClient(
            verify=_unverified_context(),
            follow_redirects=False,
            trust_env=False,  # an HTTP(S)_PROXY from the environment must not see scans
            timeout=httpx.Timeout(timeout),
            limits=httpx.Limits(max_connections=4, max_keepalive_connections=2),
            headers={"User-Agent": f"hawkeye/{__version__}", "Accept-Encoding": "identity"},
        )

    async def __aenter__(self) -> Prober:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        with contextlib.suppress(*_NETWORK_ERRORS, RuntimeError):
            await self._client.aclose()

    def remaining(self) -> float:
        """Seconds left of this endpoint's budget (and of the call's deadline)."""
        return max(0.0, min(self.deadline - time.monotonic(), self.ctx.remaining()))

    @property
    def exhausted(self) -> bool:
        return self.ctx.stopped or self.remaining() < 0.05

    def request_timeout(self, cap: float | None = None) -> float:
        return max(0.0, min(self.timeout, cap or self.timeout, self.remaining()))

    def same_origin(self, url: str) -> bool:
        """True if ``url`` is on this endpoint (scheme aside): redirects may go there only."""
        try:
            parts = urlsplit(url)
            port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
        except ValueError:
            return False
        return parts.scheme in ("http", "https") and (parts.hostname, port) == (
            self.host,
            self.port,
        )

    async def admit(self) -> None:
        """Take a rate-limit admission for the next request, when a rate is set.

        The runner took one for the call's first request; each further request
        takes its own. Raises ``ProbeError("budget")`` if none comes in time.
        """
        self.requests += 1
        if self.exhausted:
            raise ProbeError("budget", "out of time for this endpoint")
        settings = self.ctx.settings
        if self.requests == 1 or not (settings.rate or settings.host_rate):
            return
        if not await self.ctx.limiter.acquire_async(self.host, timeout=self.remaining()):
            raise ProbeError("budget", "the host's rate limit leaves no time for another request")

    async def exchange(
        self,
        method: str,
        url: str,
        *,
        json: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        want: Callable[[list[Any]], bool] | None = None,
        timeout: float | None = None,
        follow: bool = True,
    ) -> Reply:
        """Send one request and read its answer within bounds.

        An event-stream answer is read event by event until ``want`` accepts
        the messages so far (or MAX_EVENTS, max_bytes or the timeout); any
        other body is read up to ``max_bytes``. One same-origin redirect is
        followed when ``follow`` (307/308 keep the method; others become GET
        and are followed for GET only).
        """
        reply = await self._exchange_once(method, url, json, headers, want, timeout)
        location = reply.headers.get("location")
        if follow and reply.status in _REDIRECTS and location:
            target = urljoin(url, location)
            keeps_method = reply.status in (307, 308) or method == "GET"
            if keeps_method and self.same_origin(target) and target != url:
                redirected = await self._exchange_once(method, target, json, headers, want, timeout)
                redirected.redirected_from = reply.path
                return redirected
        return reply

    async def _exchange_once(
        self,
        method: str,
        url: str,
        json: Mapping[str, Any] | None,
        headers: Mapping[str, str] | None,
        want: Callable[[list[Any]], bool] | None,
        timeout: float | None,
    ) -> Reply:
        await self.admit()
        limit = self.request_timeout(timeout)
        if limit <= 0:
            raise ProbeError("budget", "out of time for this endpoint")
        scheme = urlsplit(url).scheme
        try:
            async with asyncio.timeout(limit):
                request = self._client.build_request(
                    method, url, json=json, headers=headers, timeout=httpx.Timeout(limit)
                )
                response = await self._client.send(request, stream=True)
                try:
                    return await self._read(method, url, response, want)
                finally:
                    await response.aclose()
        except _NETWORK_ERRORS as exc:
            raise _classify(exc, scheme) from exc

    async def _read(
        self,
        method: str,
        url: str,
        response: httpx.Response,
        want: Callable[[list[Any]], bool] | None,
    ) -> Reply:
        self._keep_certificate(response)
        content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        reply = Reply(
            method=method,
            url=url,
            status=response.status_code,
            headers=response.headers,
            content_type=content_type,
            body=b"",
        )
        body = bytearray()
        parser: SSEParser | None = None
        async for chunk in response.aiter_raw():
            room = self.max_bytes - len(body)
            body += chunk[:room]
            if parser is None and not reply.events and looks_like_sse(content_type, bytes(body)):
                parser = SSEParser(max_event=self.max_bytes)
                reply.events.extend(parser.feed(bytes(body)))
            elif parser is not None:
                reply.events.extend(parser.feed(chunk[:room]))
            if parser is not None and self._enough(reply, want):
                break
            if len(body) >= self.max_bytes:
                break
        reply.body = bytes(body)
        return reply

    @staticmethod
    def _enough(reply: Reply, want: Callable[[list[Any]], bool] | None) -> bool:
        if len(reply.events) >= MAX_EVENTS:
            return True
        return want is not None and want(reply.messages())

    def _keep_certificate(self, response: httpx.Response) -> None:
        if self.peer_certificate is not None or response.url.scheme != "https":
            return
        stream = response.extensions.get("network_stream")
        ssl_object = stream.get_extra_info("ssl_object") if stream is not None else None
        if ssl_object is not None:
            with contextlib.suppress(ValueError, ssl.SSLError):
                self.peer_certificate = ssl_object.getpeercert(binary_form=True)

    @contextlib.asynccontextmanager
    async def event_stream(self, url: str, *, timeout: float) -> AsyncIterator[EventStream]:
        """Open a GET event stream and keep it open for the ``async with`` block.

        The whole block is bounded by ``timeout`` (and the budget); leaving it
        closes the connection, which ends a legacy SSE session.
        """
        await self.admit()
        limit = self.request_timeout(timeout)
        if limit <= 0:
            raise ProbeError("budget", "out of time for this endpoint")
        scheme = urlsplit(url).scheme
        headers = {"Accept": "text/event-stream", "Cache-Control": "no-cache"}
        try:
            async with asyncio.timeout(limit):
                request = self._client.build_request(
                    "GET", url, headers=headers, timeout=httpx.Timeout(limit)
                )
                response = await self._client.send(request, stream=True)
                try:
                    self._keep_certificate(response)
                    yield EventStream(response, self.max_bytes)
                finally:
                    await response.aclose()
        except _NETWORK_ERRORS as exc:
            raise _classify(exc, scheme) from exc


class EventStream:
    """An open GET response, read as server-sent events within a byte cap."""

    def __init__(self, response: httpx.Response, max_bytes: int) -> None:
        self.response = response
        self.status = response.status_code
        self.headers = response.headers
        self.content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        self._chunks = response.aiter_raw()
        self._parser = SSEParser(max_event=max_bytes)
        self._queue: list[SSEEvent] = []
        self._left = max_bytes
        self.seen = 0  # events read so far

    async def next_event(self) -> SSEEvent | None:
        """The next event, or None when the stream ends or its byte cap is spent."""
        while not self._queue:
            if self._left <= 0 or self.seen >= MAX_EVENTS:
                return None
            chunk = await anext(self._chunks, None)
            if chunk is None:
                return None
            chunk = chunk[: self._left]
            self._left -= len(chunk)
            self._queue.extend(self._parser.feed(chunk))
        self.seen += 1
        return self._queue.pop(0)
