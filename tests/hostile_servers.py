"""Hostile MCP servers for the introspector's tests: loopback HTTP, scripted byte by byte.

A real SDK server cannot be made to misbehave on purpose, so these speak just
enough JSON-RPC over raw HTTP/1.1 to get a client into a session, and then do
what a test scripts: drip a response one byte at a time, answer with invalid
JSON or a mismatched id, flood a huge tool list or description, nest a schema
thousands of levels deep, hold an SSE stream open forever, or answer with an
old protocol version.

Plain blocking sockets, one thread per connection: every socket is known from
the moment it is accepted, so leaving the ``with`` block closes all of them.
Each server listens on 127.0.0.1 on a free port.
"""

from __future__ import annotations

import contextlib
import json
import queue
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from attrs import define, field

__all__ = [
    "RawMcpServer",
    "Reply",
    "deep_tool_list",
    "jsonrpc_error",
    "jsonrpc_result",
    "log_notifications",
    "tool",
]

MAX_HEAD = 64 * 1024


@define
class Reply:
    """How to answer one request.

    ``body`` is sent as is; ``drip`` > 0 sends it one byte every ``drip``
    seconds; ``sse_forever`` answers with an event stream that sends the
    ``events`` (JSON-RPC messages) and then keep-alive comments forever, never
    the response.
    """

    body: bytes = b""
    status: int = 200
    content_type: str = "application/json"
    headers: dict[str, str] = field(factory=dict)
    drip: float = 0.0
    sse_forever: bool = False
    events: list[bytes] = field(factory=list)


def jsonrpc_result(ident: Any, result: dict[str, Any]) -> Reply:
    """A JSON-RPC success answer to request ``ident``."""
    return Reply(json.dumps({"jsonrpc": "2.0", "id": ident, "result": result}).encode())


def jsonrpc_error(ident: Any, code: int, message: str) -> Reply:
    """A JSON-RPC error answer to request ``ident``."""
    error = {"jsonrpc": "2.0", "id": ident, "error": {"code": code, "message": message}}
    return Reply(json.dumps(error).encode())


def deep_tool_list(ident: Any, depth: int) -> Reply:
    """A ``tools/list`` answer whose one tool's schema nests ``depth`` objects deep.

    Built as text: Python's own encoder gives up long before a hostile server does.
    """
    schema = '{"type": "object", "properties": {"x": ' * depth + '{"type": "string"}' + "}}" * depth
    tool = f'{{"name": "deep", "description": "Deep.", "inputSchema": {schema}}}'
    return Reply(
        f'{{"jsonrpc": "2.0", "id": {json.dumps(ident)}, "result": {{"tools": [{tool}]}}}}'.encode()
    )


Handler = Callable[[dict[str, Any]], Reply]


class _Gone(Exception):
    """The client went away, or the server is stopping."""


class RawMcpServer:
    """A scripted MCP server over Streamable HTTP (``/mcp``) and legacy SSE (``/sse``).

    ``handlers`` maps a JSON-RPC method to a function of the request message
    returning a :class:`Reply`. Unscripted methods get a plain answer:
    ``server/discover`` is "method not found" (a handshake-era server),
    ``initialize`` answers with ``protocol_version`` and the tools capability,
    ``tools/list`` lists ``tools``. Over legacy SSE, answers go down the event
    stream (``sse_forever`` there means: never answer, keep pinging).
    """

    def __init__(
        self,
        handlers: dict[str, Handler] | None = None,
        *,
        protocol_version: str = "2025-06-18",
        tools: list[dict[str, Any]] | None = None,
        name: str = "hostile",
    ) -> None:
        self.handlers = dict(handlers or {})
        self.protocol_version = protocol_version
        self.tools = tools if tools is not None else [tool("echo")]
        self.name = name
        self.requests: list[str] = []  # methods received, in order
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self.port: int = self._listener.getsockname()[1]
        self._stopping = threading.Event()
        self._acceptor = threading.Thread(
            target=self._accept_loop, name=f"hostile-{name}", daemon=True
        )
        self._connections: list[socket.socket] = []  # only the acceptor appends
        self._threads: list[threading.Thread] = []
        self._sse_queues: dict[str, queue.Queue[bytes | None]] = {}

    def url(self, path: str = "/mcp") -> str:
        """The URL of ``path`` on this server."""
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> RawMcpServer:
        self._acceptor.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        self._acceptor.join(5)  # no connection is accepted after this
        self._listener.close()
        for conn in self._connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)  # wakes a thread blocked reading it
        for thread in self._threads:
            thread.join(5)
        for conn in self._connections:
            conn.close()

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._connections.append(conn)
            thread = threading.Thread(target=self._connection, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def answer(self, message: dict[str, Any]) -> Reply:
        """The reply to one JSON-RPC request (scripted, else the plain one)."""
        method = message.get("method", "")
        self.requests.append(method)
        handler = self.handlers.get(method)
        if handler is not None:
            return handler(message)
        ident = message.get("id")
        if method == "initialize":
            return jsonrpc_result(
                ident,
                {
                    "protocolVersion": self.protocol_version,
                    "capabilities": {"tools": {}},
                    "serverInfo": {"name": self.name, "version": "6.6.6"},
                },
            )
        if method == "tools/list":
            return jsonrpc_result(ident, {"tools": self.tools})
        return jsonrpc_error(ident, -32601, f"Method not found: {method}")

    def _connection(self, conn: socket.socket) -> None:
        reader = conn.makefile("rb")
        try:
            while not self._stopping.is_set():
                head = _read_head(reader)
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                headers = {
                    k.strip().lower(): v.strip()
                    for k, _, v in (line.partition(":") for line in lines[1:] if line)
                }
                body = reader.read(int(headers.get("content-length", "0")))
                if not self._route(conn, method, path.split("?")[0], path, body):
                    return
        except (_Gone, OSError, ValueError):
            return
        finally:
            reader.close()

    def _route(self, conn: socket.socket, method: str, path: str, full: str, body: bytes) -> bool:
        """Answer one request; return whether the connection can take another."""
        if method == "GET" and path == "/sse":
            self._legacy_stream(conn)
            return False
        if method == "POST" and path == "/messages":
            self._send(conn, Reply(b"", status=202))
            message = json.loads(body)
            if "id" in message and "method" in message:
                reply = self.answer(message)
                sse_queue = self._sse_queues.get(full.partition("session_id=")[2])
                if sse_queue is not None:
                    sse_queue.put(None if reply.sse_forever else reply.body)
            return True
        if method == "POST" and path == "/mcp":
            try:
                message = json.loads(body)
            except ValueError:
                self._send(conn, jsonrpc_error(None, -32700, "Parse error"))
                return True
            if "id" not in message:  # a notification
                self._send(conn, Reply(b"", status=202))
                return True
            self._send(conn, self.answer(message))
            return True
        self._send(conn, Reply(b"", status=200 if method == "DELETE" else 405))
        return True

    def _legacy_stream(self, conn: socket.socket) -> None:
        session = f"s{len(self._sse_queues)}"
        events: queue.Queue[bytes | None] = queue.Queue()
        self._sse_queues[session] = events
        self._write(
            conn,
            b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-store\r\n"
            b"connection: close\r\n\r\n"
            + f"event: endpoint\ndata: /messages?session_id={session}\n\n".encode(),
        )
        silent = False
        while True:
            try:
                data = events.get(timeout=0.1)
            except queue.Empty:
                self._write(conn, b": ping\n\n")
                continue
            silent = silent or data is None  # never answer again; keep the stream alive
            if not silent and data is not None:
                self._write(conn, b"event: message\ndata: " + data + b"\n\n")

    def _send(self, conn: socket.socket, reply: Reply) -> None:
        if reply.sse_forever:
            self._write(
                conn,
                f"HTTP/1.1 {reply.status} OK\r\ncontent-type: text/event-stream\r\n"
                "cache-control: no-store\r\nconnection: close\r\n\r\n".encode()
                + b"".join(b"event: message\ndata: " + e + b"\n\n" for e in reply.events),
            )
            while True:
                self._write(conn, b": still thinking\n\n")
                time.sleep(0.05)
        extra = "".join(f"{k}: {v}\r\n" for k, v in reply.headers.items())
        head = (
            f"HTTP/1.1 {reply.status} {'OK' if reply.status < 400 else 'Error'}\r\n"
            f"content-type: {reply.content_type}\r\ncontent-length: {len(reply.body)}\r\n"
            f"{extra}\r\n"
        )
        if reply.drip <= 0:
            self._write(conn, head.encode() + reply.body)
            return
        self._write(conn, head.encode())
        for index in range(len(reply.body)):
            self._write(conn, reply.body[index : index + 1])
            time.sleep(reply.drip)

    def _write(self, conn: socket.socket, data: bytes) -> None:
        if self._stopping.is_set():
            raise _Gone
        conn.sendall(data)


def _read_head(reader: Any) -> bytes:
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        line = reader.readline(MAX_HEAD)
        if not line or len(head) > MAX_HEAD:
            raise _Gone
        head += line
    return head


def log_notifications(count: int) -> list[bytes]:
    """``count`` logging notifications, as event-stream payloads."""
    note = {
        "jsonrpc": "2.0",
        "method": "notifications/message",
        "params": {"level": "info", "data": "x"},
    }
    return [json.dumps(note).encode()] * count


def tool(name: str, description: str = "Echoes its input.", **extra: Any) -> dict[str, Any]:
    """A ``tools/list`` entry."""
    schema = {"type": "object", "properties": {"text": {"type": "string"}}}
    return {"name": name, "description": description, "inputSchema": schema, **extra}
