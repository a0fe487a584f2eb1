"""The probe ladder: is this open port an MCP server, and over which transport?

Rungs, in order, stopping at the first conclusive answer (confidence >= 0.9):

1. the path of the URL the user gave, if any: ``POST initialize``, then a
   legacy SSE ``GET``;
2. Streamable HTTP: ``POST initialize`` to each of ``paths``;
3. legacy HTTP+SSE: ``GET`` each of ``sse_paths`` for an ``endpoint`` event,
   confirmed by an ``initialize`` sent to that endpoint and answered on the
   stream;
4. the stateless ``server/discover`` (protocol 2026-07-28) on the paths whose
   ``initialize`` drew a JSON-RPC error or a 400: a server that dropped the
   handshake answers here;
5. MCP behind auth: a 401 with a Bearer challenge on those paths, confirmed by
   the RFC 9728 protected-resource metadata.

A Streamable HTTP server found without credentials then gets its
``initialize`` once more, with a foreign ``Origin`` (``FOREIGN_ORIGIN``, a
``.invalid`` name that resolves nowhere; only the header is sent, to the
server itself). The specification says a server MUST answer such a request
with 403: one that opens a session instead can be driven by any web page
through DNS rebinding, and the evidence line says so (rule HE-NET-005).

HTTPS runs the same ladder: the first request picks the scheme (https first on
the usual TLS ports, else http, switching when the answer is a TLS or protocol
failure), and a detection over https carries the certificate's facts.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from functools import partial
from typing import Any
from urllib.parse import urlsplit

import attrs

from hawkeye_core import CallContext, Endpoint, ServerRef
from hawkeye_detect_mcp import auth
from hawkeye_detect_mcp.detection import Detection, to_server_ref
from hawkeye_detect_mcp.legacy import legacy_sse
from hawkeye_detect_mcp.messages import (
    DISCOVER_HEADERS,
    DISCOVER_ID,
    INITIALIZE_ID,
    POST_HEADERS,
    discover_request,
    first_reply,
    initialize_request,
    judge_discover,
    judge_initialize,
    short,
    wants_reply,
)
from hawkeye_detect_mcp.options import Options
from hawkeye_detect_mcp.probe import ProbeError, Prober, Reply, origin_of

__all__ = ["TLS_PORTS", "detect"]

#: Ports where HTTPS is tried before plain HTTP.
TLS_PORTS = frozenset({443, 4443, 8443, 9443})
CONCLUSIVE = 0.9
_MAX_DISCOVER = 3  # paths tried with server/discover
_MAX_CHALLENGES = 2  # 401 challenges followed to their metadata
#: The Origin of the DNS-rebinding check: a name under .invalid (RFC 2606) resolves nowhere.
FOREIGN_ORIGIN = "http://rebinding-check.hawkeye.invalid"
#: How the check's evidence line starts; rule HE-NET-005 reads only lines starting so, so
#: what a server says of itself (its name, its errors) cannot pass for the check's verdict.
REBINDING_CHECK = "DNS-rebinding check:"


class Ladder:
    """One run of the ladder over one endpoint."""

    def __init__(self, endpoint: Endpoint, ctx: CallContext, options: Options, prober: Prober):
        self.endpoint = endpoint
        self.ctx = ctx
        self.options = options
        self.prober = prober
        self.user_path: str | None = None
        self.schemes = ["https", "http"] if endpoint.port in TLS_PORTS else ["http", "https"]
        if endpoint.url:
            parts = urlsplit(endpoint.url)
            self.schemes = [parts.scheme]
            self.user_path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self.scheme: str | None = None
        self.best: Detection | None = None
        self.dead: str | None = None  # why the ladder stopped early
        self.notes: list[str] = []  # evidence about the endpoint itself (scheme, TLS)
        self.seen: list[str] = []  # what each rung saw, for the debug log
        self.discover_paths: dict[str, str] = {}  # path -> what its initialize drew
        self.challenges: dict[str, tuple[auth.Challenge, str]] = {}
        self.timeouts = 0

    def origin(self, scheme: str | None = None) -> str:
        return origin_of(
            scheme or self.scheme or self.schemes[0], self.endpoint.host, self.endpoint.port
        )

    @property
    def conclusive(self) -> bool:
        return self.best is not None and self.best.confidence >= CONCLUSIVE

    def rungs(self) -> Iterator[Callable[[], Awaitable[None]]]:
        if self.user_path:
            yield partial(self.initialize, self.user_path)
            yield partial(legacy_sse, self, self.user_path)
        for path in self.options.paths:
            yield partial(self.initialize, path)
        for path in self.options.sse_paths:
            yield partial(legacy_sse, self, path)
        yield self.discover
        yield self.behind_auth

    async def run(self) -> ServerRef | None:
        """Climb the ladder; the best detection as a ServerRef, or None."""
        tried: set[Any] = set()
        for rung in self.rungs():
            if self.conclusive or self.dead or self.prober.exhausted:
                break
            key = (getattr(rung, "func", rung), getattr(rung, "args", ()))
            if key not in tried:
                tried.add(key)
                await rung()
        await self.check_origin()
        self.ctx.count("mcp_probe_requests", self.prober.requests)
        if self.best is None:
            why = self.dead or "no rung answered like MCP"
            self.ctx.log.debug(
                "%s:%s is not MCP (%s): %s",
                self.endpoint.host,
                self.endpoint.port,
                why,
                "; ".join(self.seen),
            )
            return None
        return await to_server_ref(self.best, self.endpoint, self.prober, self.notes)

    def offer(self, detection: Detection) -> None:
        if self.best is None or detection.confidence > self.best.confidence:
            self.best = detection

    async def send(self, method: str, path: str, **kwargs: Any) -> Reply | None:
        """One exchange on ``path``; the first one also picks the scheme."""
        if self.dead:
            return None
        if self.scheme is None:
            return await self.first_contact(method, path, **kwargs)
        try:
            return await self.prober.exchange(method, self.origin() + path, **kwargs)
        except ProbeError as exc:
            self.failed(method, path, exc)
            return None

    async def first_contact(self, method: str, path: str, **kwargs: Any) -> Reply | None:
        failures: list[str] = []
        fallback: Reply | None = None
        for scheme in self.schemes:
            try:
                reply = await self.prober.exchange(method, self.origin(scheme) + path, **kwargs)
            except ProbeError as exc:
                failures.append(f"{scheme}: {exc.kind} ({exc})")
                if exc.kind in ("timeout", "refused", "budget"):
                    break  # silent, closed or out of time: another scheme will not help
                continue
            if scheme == "http" and "https" in self.schemes[1:] and _asks_for_tls(reply):
                failures.append(f"http: {reply.status} asking for TLS")
                fallback = reply
                continue
            self.scheme = scheme
            if failures:
                self.notes.append(f"{'; '.join(failures)}; the port speaks {scheme}")
            return reply
        if fallback is not None:
            self.scheme = "http"
            return fallback
        self.dead = "no HTTP answer: " + "; ".join(failures)
        return None

    def failed(self, method: str, path: str, exc: ProbeError) -> None:
        self.seen.append(f"{method} {path} -> {exc.kind}")
        if exc.kind in ("refused", "budget"):
            self.dead = f"{method} {path}: {exc}"
        elif exc.kind == "timeout":
            self.timeouts += 1
            if self.timeouts >= 2:
                self.dead = "the endpoint stopped answering"

    async def initialize(self, path: str) -> None:
        reply = await self.send(
            "POST",
            path,
            json=initialize_request(INITIALIZE_ID),
            headers=POST_HEADERS,
            want=wants_reply(INITIALIZE_ID),
        )
        if reply is None:
            return
        where = _where(reply, path)
        session = reply.headers.get("mcp-session-id")
        answer = judge_initialize(
            first_reply(reply.messages(), INITIALIZE_ID), session_header=session is not None
        )
        line = f"POST {where} initialize -> {reply.summary()}, {answer.detail}"
        self.seen.append(line)
        if answer.error or reply.status in (400, 406, 415, 422):
            self.discover_paths.setdefault(reply.path, line)
        if answer.confidence > 0:
            evidence = [line]
            if session is not None and not answer.error:
                evidence.append(await self.end_session(reply, session, answer.protocol_version))
            self.offer(
                Detection(
                    confidence=answer.confidence,
                    transport="streamable-http",
                    url=reply.url,
                    evidence=tuple(evidence),
                    protocol_version=answer.protocol_version,
                    server_info=answer.server_info,
                )
            )
            return
        self.note_challenge(reply, "streamable-http")

    async def end_session(self, reply: Reply, session: str, version: str | None) -> str:
        """DELETE the session an initialize opened (best effort); an evidence line."""
        if not (session.isascii() and session.isprintable() and len(session) <= 256):
            return "Mcp-Session-Id issued (not ended: it is not a valid header value)"
        headers = {"Mcp-Session-Id": session}
        if version:
            headers["MCP-Protocol-Version"] = version
        try:
            ended = await self.prober.exchange(
                "DELETE", reply.url, headers=headers, timeout=1.0, follow=False
            )
        except ProbeError as exc:
            return f"Mcp-Session-Id issued; DELETE {reply.path} to end it -> {exc.kind}"
        return f"Mcp-Session-Id issued; DELETE {reply.path} to end it -> {ended.status}"

    async def check_origin(self) -> None:
        """Send ``initialize`` with a foreign Origin to a server found open; note its answer."""
        best = self.best
        if (
            best is None
            or best.transport != "streamable-http"
            or best.confidence < CONCLUSIVE
            or best.auth is not None
            or self.prober.exhausted
        ):
            return
        check = f"{REBINDING_CHECK} Origin {FOREIGN_ORIGIN}"
        try:
            reply = await self.prober.exchange(
                "POST",
                best.url,
                json=initialize_request(INITIALIZE_ID),
                headers={**POST_HEADERS, "Origin": FOREIGN_ORIGIN},
                want=wants_reply(INITIALIZE_ID),
                follow=False,
            )
        except ProbeError as exc:
            line = f"{check} inconclusive ({exc.kind})"
        else:
            session = reply.headers.get("mcp-session-id")
            answer = judge_initialize(
                first_reply(reply.messages(), INITIALIZE_ID), session_header=session is not None
            )
            if answer.confidence >= CONCLUSIVE and not answer.error:
                line = (
                    f"{check} accepted (HTTP {reply.status}, initialize answered): the Origin "
                    "is not validated, so a web page can reach this server by DNS rebinding"
                )
            elif reply.status == 403 or (400 <= reply.status < 500 and session is None):
                line = f"{check} refused (HTTP {reply.status})"
            else:  # 429, 5xx, a single-session server's "already initialized": no verdict
                line = f"{check} inconclusive (HTTP {reply.status})"
            if session is not None:
                line += f"; {await self.end_session(reply, session, answer.protocol_version)}"
        self.best = attrs.evolve(best, evidence=(*best.evidence, line))

    def note_challenge(self, reply: Reply, transport: str) -> None:
        challenge = auth.challenge_of(reply)
        if challenge is not None and challenge.path not in self.challenges:
            self.challenges[challenge.path] = (challenge, transport)

    async def discover(self) -> None:
        for path, drew in list(self.discover_paths.items())[:_MAX_DISCOVER]:
            if self.conclusive or self.dead or self.prober.exhausted:
                return
            reply = await self.send(
                "POST",
                path,
                json=discover_request(DISCOVER_ID),
                headers={**POST_HEADERS, **DISCOVER_HEADERS},
                want=wants_reply(DISCOVER_ID),
            )
            if reply is None:
                continue
            answer = judge_discover(first_reply(reply.messages(), DISCOVER_ID))
            line = (
                f"POST {_where(reply, path)} server/discover -> {reply.summary()}, {answer.detail}"
            )
            self.seen.append(line)
            if answer.confidence > 0:
                self.offer(
                    Detection(
                        confidence=answer.confidence,
                        transport="streamable-http",
                        url=reply.url,
                        evidence=(drew, line),
                        protocol_version=answer.protocol_version,
                        server_info=answer.server_info,
                    )
                )

    async def behind_auth(self) -> None:
        for challenge, transport in list(self.challenges.values())[:_MAX_CHALLENGES]:
            if self.conclusive or self.dead or self.prober.exhausted:
                return
            posture, evidence = await auth.confirm(self.prober, self.origin(), challenge)
            named = challenge.path == self.user_path or any(
                word in challenge.path.lower() for word in ("mcp", "sse")
            )
            found = posture.resource_metadata is not None
            confidence = {(True, True): 0.8, (False, True): 0.6, (True, False): 0.5}.get(
                (named, found)
            )
            what = "initialize " if challenge.method == "POST" else ""
            line = (
                f"{challenge.method} {challenge.path} {what}-> 401, "
                f"WWW-Authenticate: {short(challenge.www_authenticate, 200)}"
            )
            if confidence is None:
                self.seen.append(f"{line} (a Bearer-protected path, nothing says MCP)")
                continue
            self.offer(
                Detection(
                    confidence=confidence,
                    transport=transport,
                    url=challenge.url,
                    evidence=(line, *evidence),
                    auth=posture,
                )
            )


def _asks_for_tls(reply: Reply) -> bool:
    """A plain-HTTP answer that says the port wants TLS (nginx, Apache, Tomcat...)."""
    return reply.status == 400 and "https" in reply.text(500).lower()


def _where(reply: Reply, path: str) -> str:
    if reply.redirected_from:
        return f"{reply.redirected_from} (redirected to {reply.path})"
    return path.split("?")[0]


async def detect(endpoint: Endpoint, ctx: CallContext) -> ServerRef | None:
    """Run the ladder on one open endpoint (an L2 ``Detector`` run, on the level's loop)."""
    options = Options.from_mapping(ctx.options)
    async with Prober(
        ctx,
        endpoint.host,
        endpoint.port,
        budget=options.budget,
        timeout=options.timeout,
        max_bytes=options.max_bytes,
    ) as prober:
        return await Ladder(endpoint, ctx, options, prober).run()
