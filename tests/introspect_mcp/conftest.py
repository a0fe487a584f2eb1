"""Fixtures of the introspector tests: the demo server over HTTP and SSE, one behind OAuth."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.introspect_mcp.support import demo_server, guarded_app, serve_asgi


@pytest.fixture(scope="module")
def demo_http() -> Iterator[str]:
    with serve_asgi(lambda port: demo_server().streamable_http_app()) as port:
        yield f"http://127.0.0.1:{port}/mcp"


@pytest.fixture(scope="module")
def demo_sse() -> Iterator[str]:
    with serve_asgi(lambda port: demo_server().sse_app()) as port:
        yield f"http://127.0.0.1:{port}/sse"


@pytest.fixture(scope="module")
def guarded() -> Iterator[str]:
    with serve_asgi(guarded_app) as port:
        yield f"http://127.0.0.1:{port}/mcp"
