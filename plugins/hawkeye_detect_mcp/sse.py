"""A small, bounded ``text/event-stream`` parser.

Server-sent event streams never end, so the parser is fed chunk by chunk and
hands back each event as soon as its blank line arrives. It follows the WHATWG
rules that matter for MCP (``event:``, ``data:`` joined by newlines, ``id:``,
``:`` comments, ``\\r\\n`` / ``\\r`` / ``\\n`` line ends) and refuses to grow
without bound: a line or an event longer than ``max_event`` characters is
dropped.
"""

from __future__ import annotations

import codecs
import re

from attrs import frozen

__all__ = ["SSEEvent", "SSEParser", "looks_like_sse"]

_LINE_END = re.compile(r"\r\n|\r|\n")


@frozen
class SSEEvent:
    """One dispatched event: its type (``message`` unless named), data and id."""

    event: str
    data: str
    id: str | None = None


def looks_like_sse(content_type: str, body_start: bytes) -> bool:
    """True if a reply is an event stream, by its media type or its first bytes."""
    if content_type == "text/event-stream":
        return True
    head = body_start.lstrip()[:6]
    return head.startswith((b"event:", b"data:", b"id:", b":"))


class SSEParser:
    """Feed bytes, get complete events; bounded in memory by ``max_event``."""

    def __init__(self, max_event: int = 64 * 1024) -> None:
        self.max_event = max_event
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending = ""  # text not yet ended by a line break
        self._event = ""
        self._data: list[str] = []
        self._data_size = 0
        self._id: str | None = None
        self._skipping = False  # inside an oversized event: ignore it to its end

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        """Parse ``chunk`` and return the events it completed, in order."""
        text = self._pending + self._decoder.decode(chunk)
        events: list[SSEEvent] = []
        start = 0
        for match in _LINE_END.finditer(text):
            if match.group() == "\r" and match.end() == len(text):
                break  # a lone CR at the end may be the first half of CRLF
            event = self._line(text[start : match.start()])
            if event is not None:
                events.append(event)
            start = match.end()
        self._pending = text[start:]
        if len(self._pending) > self.max_event:
            self._pending = ""
            self._skipping = True
        return events

    def _line(self, line: str) -> SSEEvent | None:
        if self._skipping:
            if not line:
                self._skipping = False
                self._reset()
            return None
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return None
        name, sep, value = line.partition(":")
        if sep and value.startswith(" "):
            value = value[1:]
        if name == "event":
            self._event = value[:200]
        elif name == "data":
            self._data_size += len(value) + 1
            if self._data_size > self.max_event:
                self._skipping = True
            else:
                self._data.append(value)
        elif name == "id" and "\0" not in value:
            self._id = value[:200]
        return None

    def _dispatch(self) -> SSEEvent | None:
        if not self._data:
            self._reset()
            return None
        event = SSEEvent(event=self._event or "message", data="\n".join(self._data), id=self._id)
        self._reset()
        return event

    def _reset(self) -> None:
        self._event = ""
        self._data = []
        self._data_size = 0
