"""Real servers on loopback for tests: MCP (official SDK) and the things that are not MCP.

Every server is a context manager that binds a random port on ``127.0.0.1``
(or ``::1``), serves from a background thread, yields a :class:`Listener` and
stops cleanly on exit. They make ready-made pytest fixtures::

    @pytest.fixture
    def mcp_server():
        with servers.mcp_streamable() as listener:
            yield listener

MCP servers are the SDK's own Starlette apps (``MCPServer.streamable_http_app``
/ ``sse_app``) served by uvicorn; the others are small stdlib servers.
"""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import json
import selectors
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import attrs
from mcp.server.transport_security import TransportSecuritySettings

__all__ = [
    "Listener",
    "banner_server",
    "drip_server",
    "http_server",
    "ipv6_available",
    "json_api_server",
    "jsonrpc_server",
    "mcp_behind_auth",
    "mcp_modern_only",
    "mcp_sse",
    "mcp_streamable",
    "not_found_server",
    "plain_web_server",
    "self_signed_certificate",
    "serve_asgi",
    "tarpit_server",
]

SERVER_NAME = "hawkeye-test-server"
SERVER_VERSION = "1.2.3"


@attrs.frozen
class Listener:
    """A running test server: where it listens and how to reach it."""

    host: str
    port: int
    scheme: str = "http"
    name: str = ""  # the MCP server's name, for MCP servers

    @property
    def origin(self) -> str:
        shown = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{shown}:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.origin + path


def ipv6_available() -> bool:
    """True if this machine can listen on and connect to ``::1``."""
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock:
            sock.bind(("::1", 0))
    except OSError:
        return False
    return True


def _bind(host: str) -> socket.socket:
    family = socket.AF_INET6 if ipaddress.ip_address(host).version == 6 else socket.AF_INET
    # proto=IPPROTO_TCP: asyncio sets TCP_NODELAY only on sockets created so;
    # without it every answer waits ~40 ms for delayed ACKs.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    sock.listen(128)
    return sock


@contextlib.contextmanager
def serve_asgi(
    app: Any | Callable[[int], Any],
    host: str = "127.0.0.1",
    *,
    certificate: tuple[Path, Path] | None = None,
    name: str = "",
    lazy: bool = False,
) -> Iterator[Listener]:
    """Serve an ASGI app with uvicorn in a thread; ``lazy``: ``app`` is ``make(port)``."""
    import uvicorn

    sock = _bind(host)
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app(port) if lazy else app,
        log_level="warning",
        lifespan="on",
        timeout_graceful_shutdown=1,
        ssl_certfile=str(certificate[0]) if certificate else None,
        ssl_keyfile=str(certificate[1]) if certificate else None,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"test-asgi-{port}", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the test server on {host}:{port} did not start")
            time.sleep(0.01)
        yield Listener(host, port, "https" if certificate else "http", name)
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def _mcp_server(name: str, **kwargs: Any) -> Any:
    from mcp.server.mcpserver import MCPServer

    server = MCPServer(
        name, version=SERVER_VERSION, title="HawkEye test server", log_level="WARNING", **kwargs
    )

    @server.tool()
    def add(a: int, b: int) -> int:
        """Add two numbers."""
        return a + b

    return server


@contextlib.contextmanager
def mcp_streamable(
    host: str = "127.0.0.1",
    *,
    path: str = "/mcp",
    name: str = SERVER_NAME,
    json_response: bool = False,
    stateless: bool = False,
    certificate: tuple[Path, Path] | None = None,
    origin_checked: bool = True,
) -> Iterator[Listener]:
    """The SDK's Streamable HTTP server at ``path`` (SSE answers unless ``json_response``).

    The SDK validates Host and Origin on loopback; ``origin_checked=False``
    turns that off, as a server deployed without DNS-rebinding protection.
    """
    security = (
        None if origin_checked else TransportSecuritySettings(enable_dns_rebinding_protection=False)
    )
    app = _mcp_server(name).streamable_http_app(
        streamable_http_path=path,
        json_response=json_response,
        stateless_http=stateless,
        host=host,
        transport_security=security,
    )
    with serve_asgi(app, host, certificate=certificate, name=name) as listener:
        yield listener


@contextlib.contextmanager
def mcp_sse(host: str = "127.0.0.1", *, name: str = SERVER_NAME) -> Iterator[Listener]:
    """The SDK's legacy HTTP+SSE server: ``GET /sse``, ``POST /messages/``."""
    app = _mcp_server(name).sse_app(host=host)
    with serve_asgi(app, host, name=name) as listener:
        yield listener


@contextlib.contextmanager
def mcp_modern_only(host: str = "127.0.0.1", *, name: str = SERVER_NAME) -> Iterator[Listener]:
    """The SDK's Streamable HTTP server as a 2026-07-28-only deployment serves it.

    The SDK routes a request to its stateless 2026-07-28 path when it carries
    that ``MCP-Protocol-Version``; this app adds the header where a client left
    it out, so the initialize handshake is refused (400, JSON-RPC error) and
    only ``server/discover`` and per-request ``_meta`` calls are answered.
    """
    app = _mcp_server(name).streamable_http_app(host=host)

    async def modern_only(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            headers = list(scope["headers"])
            if not any(key == b"mcp-protocol-version" for key, _ in headers):
                headers.append((b"mcp-protocol-version", b"2026-07-28"))
            scope = {**scope, "headers": headers}
        await app(scope, receive, send)

    # Starlette's lifespan (which starts the session manager) must still reach the app.
    with serve_asgi(modern_only, host, name=name) as listener:
        yield listener


class _RefuseEveryToken:
    """A token verifier that accepts nothing: every request is unauthenticated."""

    async def verify_token(self, token: str) -> None:
        return None


@contextlib.contextmanager
def mcp_behind_auth(
    host: str = "127.0.0.1",
    *,
    name: str = SERVER_NAME,
    issuer: str = "https://auth.example.test",
) -> Iterator[Listener]:
    """The SDK's Streamable HTTP server requiring OAuth: 401 with ``resource_metadata``.

    It serves RFC 9728 metadata at ``/.well-known/oauth-protected-resource/mcp``.
    """
    from mcp.server.auth.settings import AuthSettings

    def make(port: int) -> Any:
        shown = f"[{host}]" if ":" in host else host
        settings = AuthSettings(
            issuer_url=issuer,
            resource_server_url=f"http://{shown}:{port}/mcp",
            required_scopes=["mcp"],
            validate_token_resource=True,
        )
        server = _mcp_server(name, token_verifier=_RefuseEveryToken(), auth=settings)
        return server.streamable_http_app(host=host)

    with serve_asgi(make, host, name=name, lazy=True) as listener:
        yield listener


Handler = Callable[[str, str, dict[str, str], bytes], tuple[int, dict[str, str], bytes]]


@contextlib.contextmanager
def http_server(handle: Handler, host: str = "127.0.0.1") -> Iterator[Listener]:
    """A stdlib HTTP/1.1 server answering ``handle(method, path, headers, body)``."""

    class RequestHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(min(length, 1 << 20)) if length else b""
            status, headers, content = handle(self.command, self.path, dict(self.headers), body)
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        do_GET = do_POST = do_DELETE = do_PUT = do_HEAD = do_OPTIONS = _answer

        def log_message(self, format: str, *args: Any) -> None:
            pass

    class Server(ThreadingHTTPServer):
        address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        daemon_threads = True

        def handle_error(self, request: Any, client_address: Any) -> None:
            pass  # a client that hangs up mid-request is not news

    server = Server((host, 0), RequestHandler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield Listener(host, server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def _html(method: str, path: str, headers: dict[str, str], body: bytes) -> Any:
    page = b"<!doctype html><html><head><title>It works</title></head><body>Hi</body></html>"
    return 200, {"Content-Type": "text/html; charset=utf-8"}, page


def _json_api(method: str, path: str, headers: dict[str, str], body: bytes) -> Any:
    reply = {"status": "ok", "path": path, "items": [1, 2, 3], "received": len(body)}
    return 200, {"Content-Type": "application/json"}, json.dumps(reply).encode()


def _not_found(method: str, path: str, headers: dict[str, str], body: bytes) -> Any:
    return 404, {"Content-Type": "application/json"}, b'{"detail": "Not Found"}'


def _jsonrpc(method: str, path: str, headers: dict[str, str], body: bytes) -> Any:
    try:
        request_id = json.loads(body).get("id")
    except (ValueError, AttributeError):
        request_id = None
    error = {"code": -32601, "message": "the method does not exist/is not available"}
    reply = {"jsonrpc": "2.0", "id": request_id, "error": error}
    return 200, {"Content-Type": "application/json"}, json.dumps(reply).encode()


def plain_web_server(host: str = "127.0.0.1") -> contextlib.AbstractContextManager[Listener]:
    """A web server that answers every request with an HTML page."""
    return http_server(_html, host)


def json_api_server(host: str = "127.0.0.1") -> contextlib.AbstractContextManager[Listener]:
    """A JSON API that answers every GET and POST with a JSON object (not JSON-RPC)."""
    return http_server(_json_api, host)


def not_found_server(host: str = "127.0.0.1") -> contextlib.AbstractContextManager[Listener]:
    """A server that answers 404 to everything."""
    return http_server(_not_found, host)


def jsonrpc_server(host: str = "127.0.0.1") -> contextlib.AbstractContextManager[Listener]:
    """A generic JSON-RPC 2.0 server (think of a blockchain node): "method not found"."""
    return http_server(_jsonrpc, host)


@contextlib.contextmanager
def _raw_server(
    host: str, on_accept: Callable[[socket.socket], None], *, drain: bool
) -> Iterator[Listener]:
    """Accept connections in a thread, call ``on_accept``, then hold them open until exit."""
    listener = _bind(host)
    listener.setblocking(False)
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    stop = threading.Event()
    clients: list[socket.socket] = []

    def loop() -> None:
        while not stop.is_set():
            for key, _ in selector.select(timeout=0.05):
                sock = key.fileobj
                assert isinstance(sock, socket.socket)
                if sock is listener:
                    with contextlib.suppress(OSError):
                        client, _ = listener.accept()
                        client.setblocking(False)
                        clients.append(client)
                        on_accept(client)
                        if drain:
                            selector.register(client, selectors.EVENT_READ)
                    continue
                try:
                    if not sock.recv(65536):
                        selector.unregister(sock)
                except OSError:
                    selector.unregister(sock)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield Listener(host, listener.getsockname()[1])
    finally:
        stop.set()
        thread.join(5)
        selector.close()
        for client in clients:
            client.close()
        listener.close()


def tarpit_server(host: str = "127.0.0.1") -> contextlib.AbstractContextManager[Listener]:
    """Accepts connections, reads what is sent, never answers, never closes."""
    return _raw_server(host, lambda client: None, drain=True)


def banner_server(
    host: str = "127.0.0.1", banner: bytes = b"SSH-2.0-OpenSSH_9.6p1 Debian-4\r\n"
) -> contextlib.AbstractContextManager[Listener]:
    """A non-HTTP service: sends a banner on connect (SSH by default) and then waits."""

    def greet(client: socket.socket) -> None:
        with contextlib.suppress(OSError):
            client.send(banner)

    return _raw_server(host, greet, drain=True)


@contextlib.contextmanager
def drip_server(host: str = "127.0.0.1", interval: float = 0.1) -> Iterator[Listener]:
    """Answers every request with HTTP headers, then one byte of body every ``interval``.

    The body never ends: a client that waits for it waits forever.
    """
    listener = _bind(host)
    listener.settimeout(0.05)
    stop = threading.Event()
    workers: list[threading.Thread] = []
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{"

    def drip(client: socket.socket) -> None:
        with client, contextlib.suppress(OSError):
            client.settimeout(1.0)
            client.recv(65536)
            client.sendall(head)
            while not stop.wait(interval):
                client.sendall(b" ")

    def accept() -> None:
        while not stop.is_set():
            try:
                client, _ = listener.accept()
            except OSError:
                continue
            worker = threading.Thread(target=drip, args=(client,), daemon=True)
            workers.append(worker)
            worker.start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield Listener(host, listener.getsockname()[1])
    finally:
        stop.set()
        thread.join(5)
        for worker in workers:
            worker.join(5)
        listener.close()


@contextlib.contextmanager
def self_signed_certificate(*names: str) -> Iterator[tuple[Path, Path]]:
    """A self-signed certificate for ``names`` (default localhost and both loopbacks).

    Yields ``(certfile, keyfile)`` paths in a temporary folder. Made with
    ``cryptography`` when installed, else with the ``openssl`` command.
    """
    names = names or ("localhost", "127.0.0.1", "::1")
    with tempfile.TemporaryDirectory(prefix="hawkeye-tls-") as folder:
        cert, key = Path(folder, "cert.pem"), Path(folder, "key.pem")
        try:
            _certificate_with_cryptography(names, cert, key)
        except ImportError:
            _certificate_with_openssl(names, cert, key)
        yield cert, key


def _certificate_with_cryptography(names: tuple[str, ...], cert: Path, key: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    private_key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    alternative: list[x509.GeneralName] = []
    for name in names:
        try:
            alternative.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            alternative.append(x509.DNSName(name))
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(private_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName(alternative), critical=False)
        .sign(private_key, hashes.SHA256())
    )
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key.write_bytes(
        private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def _certificate_with_openssl(names: tuple[str, ...], cert: Path, key: Path) -> None:
    openssl = shutil.which("openssl")
    if openssl is None:
        raise RuntimeError("neither cryptography nor the openssl command is available")
    alternative = ",".join(f"IP:{n}" if _is_address(n) else f"DNS:{n}" for n in names)
    options = "req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30"
    files = ["-keyout", str(key), "-out", str(cert)]
    subject = ["-subj", f"/CN={names[0]}", "-addext", f"subjectAltName={alternative}"]
    subprocess.run(
        [openssl, *options.split(), *subject, *files],
        check=True,
        capture_output=True,
        timeout=30,
    )


def _is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True
