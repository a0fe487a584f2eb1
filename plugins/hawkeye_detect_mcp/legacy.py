"""Rung 3 of the ladder: the legacy HTTP+SSE transport (protocol 2024-11-05).

A legacy server opens an event stream on ``GET`` and names, in its first
``endpoint`` event, the URL where the client POSTs its messages; the answers
come back on the stream. The rung reads the stream only until that event (a
few events, a few KiB and ``sse_time`` seconds at most: the stream never
ends), then, if the endpoint is on the same origin, sends ``initialize`` there
and reads the answer from the stream. Leaving the rung closes the stream,
which ends the session.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from attrs import evolve

from hawkeye_detect_mcp.detection import Detection
from hawkeye_detect_mcp.messages import (
    INITIALIZE_ID,
    POST_HEADERS,
    first_reply,
    initialize_request,
    judge_initialize,
    parse_json,
    short,
    wants_reply,
)
from hawkeye_detect_mcp.probe import EventStream, ProbeError, Reply

if TYPE_CHECKING:
    from hawkeye_detect_mcp.ladder import Ladder

__all__ = ["legacy_sse"]

#: Confidence of an ``endpoint`` event alone, without an answer to initialize.
ENDPOINT_EVENT = 0.9


async def legacy_sse(ladder: Ladder, path: str) -> None:
    """GET ``path`` as an event stream; offer a detection if it names an endpoint."""
    if ladder.dead or ladder.scheme is None:
        return  # the first contact found no HTTP
    url = ladder.origin() + path
    opened = False
    try:
        async with ladder.prober.event_stream(url, timeout=ladder.options.sse_time) as stream:
            opened = True
            reply_summary = f"{stream.status} {short(stream.content_type, 60) or 'no type'}"
            if stream.status == 401:
                ladder.note_challenge(_as_reply(stream, url), "sse")
            if stream.status != 200 or stream.content_type != "text/event-stream":
                ladder.seen.append(f"GET {path} (SSE) -> {reply_summary}")
                return
            endpoint = await _endpoint_event(stream)
            if endpoint is None:
                ladder.seen.append(f"GET {path} (SSE) -> {reply_summary}, no endpoint event")
                return
            target = urljoin(url, endpoint)
            shown = short(endpoint.split("?")[0], 120) + ("?…" if "?" in endpoint else "")
            evidence = [f"GET {path} -> {reply_summary}, event: endpoint data={shown}"]
            detection = Detection(
                confidence=ENDPOINT_EVENT, transport="sse", url=url, evidence=tuple(evidence)
            )
            if not ladder.prober.same_origin(target):
                evidence.append("the endpoint is on another host: not followed")
                ladder.offer(evolve(detection, evidence=tuple(evidence)))
                return
            ladder.offer(detection)
            await _confirm(ladder, stream, target, detection)
    except ProbeError as exc:
        if exc.kind == "timeout" and opened:
            ladder.seen.append(
                f"GET {path} (SSE): no endpoint event within {ladder.options.sse_time:g} s"
            )
        elif not opened:
            ladder.failed("GET", path, exc)


async def _confirm(ladder: Ladder, stream: EventStream, target: str, detection: Detection) -> None:
    """Send initialize to the endpoint an SSE stream named; read the answer on the stream."""
    path = urlsplit(target).path or "/"
    try:
        posted = await ladder.prober.exchange(
            "POST",
            target,
            json=initialize_request(INITIALIZE_ID),
            headers=POST_HEADERS,
            want=wants_reply(INITIALIZE_ID),
            follow=False,
        )
    except ProbeError as exc:
        ladder.seen.append(f"POST {path} initialize -> {exc.kind}")
        return
    messages = posted.messages()
    while first_reply(messages, INITIALIZE_ID) is None:
        event = await stream.next_event()
        if event is None:
            break
        if event.event == "message":
            messages.append(parse_json(event.data))
    answer = judge_initialize(first_reply(messages, INITIALIZE_ID))
    line = f"POST {path} initialize -> {posted.status}; answer on the stream: {answer.detail}"
    if answer.confidence >= ENDPOINT_EVENT:
        ladder.offer(
            evolve(
                detection,
                confidence=1.0,
                evidence=(*detection.evidence, line),
                protocol_version=answer.protocol_version,
                server_info=answer.server_info,
            )
        )
    else:
        ladder.seen.append(line)


async def _endpoint_event(stream: EventStream) -> str | None:
    """The URI of the stream's first ``endpoint`` event, if it is one."""
    while (event := await stream.next_event()) is not None:
        if event.event == "endpoint":
            uri = event.data.strip()
            if 0 < len(uri) <= 2048 and uri.isprintable() and " " not in uri:
                return uri
            return None
    return None


def _as_reply(stream: EventStream, url: str) -> Reply:
    return Reply(
        method="GET",
        url=url,
        status=stream.status,
        headers=stream.headers,
        content_type=stream.content_type,
        body=b"",
    )
