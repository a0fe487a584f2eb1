"""The L2 MCP detector against real servers on loopback: the SDK's, and ones that are not MCP."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import hawkeye_detect_mcp
import hawkeye_detect_mcp.ladder
from hawkeye_analyse_rules import analyse_server
from hawkeye_core import (
    BreakerRegistry,
    CallContext,
    Detector,
    Endpoint,
    KeyedRateLimiter,
    ResourceMonitor,
    Scanner,
    ServerInventory,
    ServerRef,
    Settings,
    Stats,
    Target,
    TTLCache,
    collect_registry,
    create_plugin_manager,
    hookimpl,
)
from hawkeye_core.testing import run_pipeline
from hawkeye_detect_mcp.messages import jsonrpc_reply, judge_initialize
from hawkeye_detect_mcp.options import Options
from hawkeye_detect_mcp.probe import Prober, Reply
from hawkeye_detect_mcp.sse import SSEParser
from tests import servers
from tests.helpers import hawkeye

# Generous upper bounds: they catch a stalled ladder, not a slow machine.
NOT_MCP_BOUND = 15.0
HANDSHAKE_VERSIONS = {"2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"}


class CountingLimiter(KeyedRateLimiter):
    """The real rate limiter, counting the admissions the detector asks for."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.asked = 0

    async def acquire_async(self, key: str, timeout: float | None = None) -> bool:
        self.asked += 1
        return await super().acquire_async(key, timeout)


def call_context(
    *,
    options: dict[str, Any] | None = None,
    settings: Settings | None = None,
    limiter: KeyedRateLimiter | None = None,
    deadline: float = 30.0,
) -> CallContext:
    """A CallContext like the runner's, for calling ``detect`` directly."""
    return CallContext(
        record=Detector(name="mcp-http", run=hawkeye_detect_mcp.detect),
        plugin="detect_mcp:mcp-http",
        settings=settings or Settings(),
        options=options or {},
        deadline=time.monotonic() + deadline,
        emit=lambda record: None,
        run_cancelled=threading.Event(),
        limiter=limiter if limiter is not None else KeyedRateLimiter(),
        breakers=BreakerRegistry(),
        cache=TTLCache(max_entries=100),
        monitor=ResourceMonitor(),
        stats=Stats(),
    )


def detect(
    listener: servers.Listener, url: str | None = None, ctx: CallContext | None = None
) -> tuple[ServerRef | None, float]:
    """Run the detector on one listener; the ServerRef (or None) and the seconds it took."""
    endpoint = Endpoint(host=listener.host, port=listener.port, url=url)
    started = time.monotonic()
    ref = asyncio.run(hawkeye_detect_mcp.detect(endpoint, ctx or call_context()))
    return ref, time.monotonic() - started


def test_finds_the_sdk_streamable_http_server_at_mcp():
    with servers.mcp_streamable() as listener:
        ref, _ = detect(listener)

    assert ref is not None
    assert ref.transport == "streamable-http"
    assert ref.url == listener.url("/mcp")
    assert ref.found_in == f"127.0.0.1:{listener.port}"
    assert ref.protocol_version in HANDSHAKE_VERSIONS
    assert ref.server_info is not None
    assert (ref.server_info.name, ref.server_info.version) == (listener.name, "1.2.3")
    assert ref.confidence == 1.0
    assert ref.evidence[0].startswith("POST /mcp initialize -> 200 text/event-stream, ")
    assert f"result.protocolVersion={ref.protocol_version}" in ref.evidence[0]
    assert ref.tls is None and ref.auth is None


def test_ends_the_session_its_initialize_opened():
    with servers.mcp_streamable() as listener:
        ref, _ = detect(listener)

    assert ref is not None
    assert "Mcp-Session-Id issued; DELETE /mcp to end it -> 200" in ref.evidence


def test_reads_a_json_answer_from_a_stateless_server():
    with servers.mcp_streamable(json_response=True, stateless=True) as listener:
        ref, _ = detect(listener)

    assert ref is not None and ref.transport == "streamable-http"
    assert ref.evidence[0].startswith("POST /mcp initialize -> 200 application/json, ")
    assert not any("Mcp-Session-Id" in line for line in ref.evidence)  # no session to end


def test_finds_the_sdk_legacy_sse_server_at_sse():
    with servers.mcp_sse() as listener:
        ref, _ = detect(listener)

    assert ref is not None
    assert ref.transport == "sse"
    assert ref.url == listener.url("/sse")
    assert ref.protocol_version in HANDSHAKE_VERSIONS
    assert ref.server_info is not None and ref.server_info.name == listener.name
    assert ref.confidence == 1.0
    assert ref.evidence[0].startswith("GET /sse -> 200 text/event-stream, event: endpoint data=")
    assert "session_id" not in ref.evidence[0]  # the live session's id stays out of reports
    assert "answer on the stream" in ref.evidence[1]


def test_a_server_on_an_unusual_path_is_found_from_the_url_the_user_gave():
    with servers.mcp_streamable(path="/tools/agent") as listener:
        unguided, _ = detect(listener)
        guided, _ = detect(listener, url=listener.url("/tools/agent"))

    assert unguided is None
    assert guided is not None
    assert guided.url == listener.url("/tools/agent")
    assert guided.evidence[0].startswith("POST /tools/agent initialize -> 200")


def test_a_user_url_to_a_legacy_sse_stream_is_probed_as_sse():
    with servers.mcp_sse() as listener:
        ref, _ = detect(listener, url=listener.url("/sse"))

    assert ref is not None and ref.transport == "sse" and ref.url == listener.url("/sse")


def test_follows_a_redirect_on_the_same_origin():
    with servers.mcp_streamable() as listener:
        ref, _ = detect(listener, url=listener.url("/mcp/"))

    assert ref is not None
    assert ref.url == listener.url("/mcp")
    assert ref.evidence[0].startswith("POST /mcp/ (redirected to /mcp) initialize -> 200")


def test_finds_a_server_that_only_speaks_the_stateless_protocol_with_server_discover():
    with servers.mcp_modern_only() as listener:
        ref, _ = detect(listener)

    assert ref is not None
    assert ref.transport == "streamable-http" and ref.url == listener.url("/mcp")
    assert ref.protocol_version == "2026-07-28"
    assert ref.server_info is not None and ref.server_info.name == listener.name
    assert ref.confidence == 1.0
    refused, discovered = ref.evidence[:2]
    assert refused.startswith("POST /mcp initialize -> 400 application/json, JSON-RPC error")
    assert discovered.startswith("POST /mcp server/discover -> 200 application/json, ")
    assert "result.supportedVersions=['2026-07-28']" in discovered


def test_finds_mcp_behind_oauth_with_its_protected_resource_metadata():
    with servers.mcp_behind_auth() as listener:
        ref, _ = detect(listener)

    assert ref is not None
    assert ref.transport == "streamable-http" and ref.url == listener.url("/mcp")
    assert 0.5 <= ref.confidence < 1.0
    assert ref.server_info is None and ref.protocol_version is None  # it would not say
    auth = ref.auth
    assert auth is not None and auth.required is True and auth.status == 401
    assert auth.www_authenticate is not None and auth.www_authenticate.startswith("Bearer ")
    assert auth.resource_metadata is not None
    assert auth.resource_metadata["resource"] == listener.url("/mcp")
    assert auth.authorization_servers == ("https://auth.example.test",)
    assert ref.evidence[0].startswith("POST /mcp initialize -> 401, WWW-Authenticate: Bearer ")
    assert ref.evidence[1].startswith(
        "GET /.well-known/oauth-protected-resource/mcp -> 200 application/json, resource="
    )


def test_finds_a_self_signed_https_server_and_records_its_certificate():
    with (
        servers.self_signed_certificate() as certificate,
        servers.mcp_streamable(certificate=certificate) as listener,
    ):
        ref, _ = detect(listener)

    assert ref is not None
    assert ref.url == listener.url("/mcp") and ref.url.startswith("https://")
    assert ref.server_info is not None and ref.server_info.name == listener.name
    tls = ref.tls
    assert tls is not None
    assert tls["verified"] is False and tls["self_signed"] is True
    assert tls["subject"] == tls["issuer"] == "CN=localhost"
    assert re.fullmatch(r"[0-9a-f]{64}", tls["sha256"])
    assert tls["not_after"] > tls["not_before"]
    assert any(line.endswith("the port speaks https") for line in ref.evidence)
    assert ref.evidence[-1].startswith("TLS: self-signed certificate subject CN=localhost")


def test_an_https_url_is_probed_over_tls_at_once():
    with (
        servers.self_signed_certificate() as certificate,
        servers.mcp_streamable(certificate=certificate) as listener,
    ):
        ref, _ = detect(listener, url=listener.url("/mcp"))

    assert ref is not None and ref.tls is not None
    assert not any("the port speaks" in line for line in ref.evidence)


NOT_MCP = {
    "plain web server": servers.plain_web_server,
    "JSON API": servers.json_api_server,
    "404 everywhere": servers.not_found_server,
    "JSON-RPC server": servers.jsonrpc_server,
    "silent tarpit": servers.tarpit_server,
    "SSH banner": servers.banner_server,
}


@pytest.mark.parametrize("make", NOT_MCP.values(), ids=NOT_MCP.keys())
def test_what_is_not_mcp_is_not_called_mcp_and_does_not_stall(make):
    with make() as listener:
        ref, elapsed = detect(listener)

    assert ref is None
    assert elapsed < NOT_MCP_BOUND


def _hostile(handler: Any) -> Any:
    return servers.http_server(handler)


def test_a_huge_answer_is_read_only_up_to_the_cap():
    sent = []

    def huge(method: str, path: str, headers: dict[str, str], body: bytes) -> Any:
        blob = b'{"jsonrpc": "2.0", "id": 1, "result": {"pad": "' + b"x" * (8 << 20) + b'"}}'
        sent.append(len(blob))
        return 200, {"Content-Type": "application/json"}, blob

    with _hostile(huge) as listener:
        ref, elapsed = detect(listener)

    assert ref is None and sent and elapsed < NOT_MCP_BOUND


def test_the_prober_reads_at_most_max_bytes_of_an_answer():
    def huge(method: str, path: str, headers: dict[str, str], body: bytes) -> Any:
        return 200, {"Content-Type": "application/json"}, b"[" + b"1," * (4 << 20) + b"1]"

    async def fetch(listener: servers.Listener) -> Reply:
        async with Prober(
            call_context(), listener.host, listener.port, budget=5, timeout=2, max_bytes=4096
        ) as prober:
            return await prober.exchange("POST", listener.url("/mcp"), json={})

    with _hostile(huge) as listener:
        reply = asyncio.run(fetch(listener))

    assert reply.status == 200
    assert len(reply.body) == 4096
    assert reply.messages() == []  # a cut answer does not parse


def test_malformed_and_lookalike_answers_are_not_mcp():
    answers = iter(
        [
            b'{"jsonrpc": "2.0", "id": 1, "result": {"protocolVersion": "2025-06-18", ',
            b'{"jsonrpc": "2.0", "id": 1, "result": {"capabilities": {}, "serverInfo": '
            b'{"name": "a language server"}}}',
            b'{"jsonrpc": "2.0", "id": 1, "result": {"protocolVersion": 20250618}}',
        ]
    )

    def lookalike(method: str, path: str, headers: dict[str, str], body: bytes) -> Any:
        return 200, {"Content-Type": "application/json"}, next(answers, b"[]")

    with _hostile(lookalike) as listener:
        ref, _ = detect(listener)

    assert ref is None


def test_never_follows_a_redirect_to_another_server():
    with servers.mcp_streamable() as mcp:

        def elsewhere(method: str, path: str, headers: dict[str, str], body: bytes) -> Any:
            return 307, {"Location": mcp.url("/mcp")}, b""

        with _hostile(elsewhere) as listener:
            ref, _ = detect(listener)

    assert ref is None


def test_an_answer_that_drips_forever_is_cut_off_by_the_request_timeout():
    ctx = call_context(options={"timeout": 0.5})
    with servers.drip_server() as listener:
        ref, elapsed = detect(listener, ctx=ctx)

    assert ref is None
    assert elapsed < 3.0  # a first answer that never ends: the endpoint is given up


def test_a_port_closed_since_the_scan_is_given_up_at_once():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    ref, elapsed = detect(servers.Listener("127.0.0.1", port))

    assert ref is None
    assert elapsed < 1.0


def test_the_whole_ladder_keeps_to_its_budget():
    ctx = call_context(options={"budget": 1.0, "timeout": 5.0})
    with servers.tarpit_server() as listener:
        ref, elapsed = detect(listener, ctx=ctx)

    assert ref is None
    assert elapsed < 3.0


def test_the_ladder_keeps_to_the_call_deadline():
    with servers.tarpit_server() as listener:
        ref, elapsed = detect(listener, ctx=call_context(deadline=0.5))

    assert ref is None
    assert elapsed < 3.0


def test_takes_a_rate_limit_admission_for_each_further_request_when_a_rate_is_set():
    limited = CountingLimiter(per_key_rate=200.0, per_key_burst=1)
    ctx = call_context(settings=Settings(host_rate=200.0), limiter=limited)
    with servers.plain_web_server() as listener:
        assert detect(listener, ctx=ctx)[0] is None
    requests = ctx._stats.get("mcp_probe_requests")

    assert requests > 3
    assert limited.asked == requests - 1  # the runner took the first one


def test_takes_no_admission_without_a_rate():
    unlimited = CountingLimiter()
    with servers.plain_web_server() as listener:
        detect(listener, ctx=call_context(limiter=unlimited))

    assert unlimited.asked == 0


@pytest.mark.skipif(not servers.ipv6_available(), reason="no IPv6 loopback")
def test_finds_a_server_on_the_ipv6_loopback():
    with servers.mcp_streamable(host="::1") as listener:
        ref, _ = detect(listener)

    assert ref is not None
    assert ref.url == f"http://[::1]:{listener.port}/mcp"
    assert ref.server_info is not None and ref.server_info.name == listener.name


def connect(target: Target, ctx: CallContext) -> Endpoint | None:
    """Test-only L1 scanner: one TCP connect to the port the target names."""
    assert target.port is not None
    with socket.create_connection((target.host, target.port), timeout=2):
        return Endpoint(host=target.host, port=target.port, url=target.url)


class ConnectScanner:
    """Registers :func:`connect` as a scanner."""

    @staticmethod
    @hookimpl
    def hawkeye_scanners() -> Iterator[Scanner]:
        yield Scanner(name="test-connect", run=connect)


def test_runs_on_l2_in_the_pipeline_and_streams_what_it_finds():
    with (
        servers.mcp_streamable() as streamable,
        servers.mcp_sse() as sse,
        servers.plain_web_server() as web,
        servers.tarpit_server() as tarpit,
    ):
        targets = [
            streamable.url("/mcp"),
            f"127.0.0.1:{sse.port}",
            f"127.0.0.1:{web.port}",
            f"127.0.0.1:{tarpit.port}",
        ]
        started = time.monotonic()
        result = run_pipeline(
            targets, ConnectScanner, hawkeye_detect_mcp, settings=Settings(local=False)
        )
        elapsed = time.monotonic() - started

    assert not result.errors, result.errors
    assert len(result.endpoints) == 4
    found = {(s.transport, s.url) for s in result.servers}
    assert found == {("streamable-http", streamable.url("/mcp")), ("sse", sse.url("/sse"))}
    assert result.stats["mcp_probe_requests"] > 4
    assert elapsed < NOT_MCP_BOUND


def _real_scanner_loaded() -> bool:
    pm = create_plugin_manager(Settings(), entry_points=True)
    return any(e.plugin.name == "scan_tcp" for e in collect_registry(pm).scanners)


CONNECT_SCANNER = '''
"""Test-only L1 scanner: one TCP connect to the port a target names."""
import socket

from hawkeye_core import Endpoint, Scanner, hookimpl


def connect(target, ctx):
    with socket.create_connection((target.host, target.port), timeout=2):
        return Endpoint(host=target.host, port=target.port, url=target.url)


@hookimpl
def hawkeye_scanners():
    yield Scanner(name="test-connect", run=connect)
'''


def test_the_cli_reports_the_server_in_json(tmp_path: Path):
    args = []
    if not _real_scanner_loaded():  # scan_tcp is being written; stand in for it
        (tmp_path / "plugins").mkdir()
        (tmp_path / "plugins" / "connect_scanner.py").write_text(textwrap.dedent(CONNECT_SCANNER))
        args = ["--plugins-dir", str(tmp_path / "plugins")]
    with servers.mcp_streamable() as listener:
        url = listener.url("/mcp")
        out = hawkeye(*args, "scan", url, "--no-local", "--format", "json", cwd=tmp_path)

    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    [server] = report["servers"]
    assert server["transport"] == "streamable-http" and server["url"] == url
    # the detector's handshake, or the newer version the introspector's session negotiated
    assert server["protocol_version"] in {*HANDSHAKE_VERSIONS, "2026-07-28"}
    assert server["server_info"]["name"] == listener.name
    assert server["evidence"][0].startswith("POST /mcp initialize -> 200")
    assert [(e["host"], e["port"]) for e in report["endpoints"]] == [("127.0.0.1", listener.port)]


def test_bad_options_unload_the_plugin_with_a_message():
    pm = create_plugin_manager(Settings(plugin={"detect_mcp": {"timeout": -1}}), entry_points=True)
    info = pm.infos["detect_mcp"]

    assert info.status != "loaded"
    assert "timeout must be seconds" in (info.error or "")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"paths": "/mcp"}, "paths must be a list"),
        ({"paths": ["mcp"]}, "paths must be a list"),
        ({"budget": 0}, "budget must be seconds"),
        ({"max_bytes": 10}, "max_bytes must be at least 1024"),
        ({"colour": "red"}, "unknown options ['colour']"),
    ],
)
def test_options_are_checked(options, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        Options.from_mapping(options)


def test_the_sse_parser_handles_split_lines_and_every_line_ending():
    parser = SSEParser()
    stream = b'event: endpoint\r\ndata: /messages/?a=1\r\n\r\n: comment\rdata: {"x"\ndata: :1}\n\n'
    events = [e for i in range(len(stream)) for e in parser.feed(stream[i : i + 1])]

    assert [(e.event, e.data) for e in events] == [
        ("endpoint", "/messages/?a=1"),
        ("message", '{"x"\n:1}'),
    ]


def test_the_sse_parser_drops_an_oversized_event_and_goes_on():
    parser = SSEParser(max_event=100)
    events = parser.feed(b"data: " + b"x" * 500 + b"\n\ndata: small\n\n")

    assert [e.data for e in events] == ["small"]


@pytest.mark.parametrize(
    ("reply", "confidence"),
    [
        ({"jsonrpc": "2.0", "id": 1, "error": {"code": -32601, "message": "no such method"}}, 0.0),
        (
            {"jsonrpc": "2.0", "id": 1, "error": {"code": -32600, "message": "Missing session ID"}},
            0.6,
        ),
        ({"jsonrpc": "2.0", "id": 1, "error": {"code": -32022, "message": "no"}}, 0.6),
        ({"jsonrpc": "2.0", "id": 1, "result": {"protocolVersion": "2025-06-18"}}, 0.0),
        (
            {
                "jsonrpc": "2.0",
                "id": 1,
                "result": {"protocolVersion": "2025-06-18", "capabilities": {}},
            },
            0.9,
        ),
        (
            {
                "jsonrpc": "2.0",
                "id": 7,
                "result": {"protocolVersion": "2025-06-18", "capabilities": {}},
            },
            0.0,
        ),
        ({"jsonrpc": "2.0", "id": 1, "result": {}, "error": {"code": 1, "message": ""}}, 0.0),
    ],
)
def test_what_an_initialize_answer_says(reply, confidence):
    assert judge_initialize(jsonrpc_reply(reply, 1)).confidence == confidence


def test_a_server_that_validates_origin_refuses_the_rebinding_check():
    with servers.mcp_streamable() as listener:  # the SDK checks Origin on loopback
        ref, _ = detect(listener)
    assert ref is not None
    [line] = [e for e in ref.evidence if "rebinding" in e]
    origin = hawkeye_detect_mcp.ladder.FOREIGN_ORIGIN
    assert line == f"DNS-rebinding check: Origin {origin} refused (HTTP 403)"
    findings = analyse_server(ServerInventory(ref=ref))
    assert "HE-NET-005" not in {f.rule_id for f in findings}


def test_a_server_that_takes_any_origin_is_reported_for_dns_rebinding():
    with servers.mcp_streamable(origin_checked=False) as listener:
        ref, _ = detect(listener)
    assert ref is not None
    [line] = [e for e in ref.evidence if "rebinding" in e]
    origin = hawkeye_detect_mcp.ladder.FOREIGN_ORIGIN
    assert line.startswith(
        f"DNS-rebinding check: Origin {origin} accepted (HTTP 200, initialize answered)"
    )
    # The session the check opened is ended too, and its line says how that went.
    assert line.endswith("; Mcp-Session-Id issued; DELETE /mcp to end it -> 200")
    [finding] = [f for f in analyse_server(ServerInventory(ref=ref)) if f.rule_id == "HE-NET-005"]
    assert "DNS rebinding" in finding.evidence


def test_servers_behind_auth_get_no_rebinding_check():
    with servers.mcp_behind_auth() as listener:
        ref, _ = detect(listener)
    assert ref is not None and ref.auth is not None
    assert not [e for e in ref.evidence if "rebinding" in e.lower()]
