"""``hawkeye inspect TARGET``: one server's inventory, from the same introspector L3 runs.

TARGET is an http(s) URL (``/sse`` paths are legacy HTTP+SSE, others
Streamable HTTP; ``--transport`` decides otherwise) or ``stdio:`` followed by a
command line, which is started only with ``--allow-exec``. The target is named
explicitly, so ``--header``/``--bearer`` credentials go to it.

Exit status: 0 with an inventory (per-list problems are listed in it), 1 when
the server could not be inventoried (including a server that wants
credentials: its auth posture is still printed), 2 for a usage error.
"""

from __future__ import annotations

import json
import shlex
import threading
import time
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

import click

from hawkeye_core import (
    BreakerRegistry,
    CallContext,
    KeyedRateLimiter,
    Prompt,
    ResourceMonitor,
    ServerInventory,
    ServerRef,
    Settings,
    Stats,
    TTLCache,
    load_settings,
    parse_headers,
    run_sync,
    terminal_safe,
    to_data,
)
from hawkeye_introspect_mcp.introspector import McpIntrospector
from hawkeye_introspect_mcp.limits import PLUGIN_NAME, IntrospectionError, Limits

__all__ = ["inspect_command", "render_table", "standalone_context", "target_ref"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
#: Seconds the call's own deadline allows beyond the introspection's, for cleanup.
_SLACK = 5.0


def target_ref(target: str, transport: str | None) -> ServerRef:
    """The server reference TARGET names; click.UsageError if it names none."""
    if target.startswith("stdio:"):
        if transport:
            raise click.UsageError("--transport is for URLs; a stdio: target runs a command")
        try:
            argv = shlex.split(target[len("stdio:") :])
        except ValueError as exc:
            raise click.UsageError(f"cannot split the stdio: command line: {exc}") from None
        if not argv:
            raise click.UsageError("stdio: needs a command line, e.g. 'stdio:python server.py'")
        # attrs types the converter loosely, hence the ignore
        return ServerRef(transport="stdio", command=argv, found_in="command line")  # type: ignore[arg-type]
    parts = urlsplit(target)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise click.UsageError(
            f"TARGET must be an http(s) URL or stdio:COMMAND, not {terminal_safe(target, 120)!r}"
        )
    guessed = "sse" if parts.path.rstrip("/").endswith("/sse") else "streamable-http"
    return ServerRef(transport=transport or guessed, url=target, found_in="command line")


def _headers(headers: Iterable[str], bearer: str | None) -> tuple[tuple[str, str], ...]:
    try:
        return parse_headers(headers, bearer)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def standalone_context(
    introspector: McpIntrospector,
    settings: Settings,
    options: Mapping[str, Any],
    seconds: float,
    emitted: list[Any],
) -> CallContext:
    """A call context like the runner's, for one call outside a run (what ``inspect`` uses)."""
    return CallContext(
        record=introspector.record(),
        plugin=f"{PLUGIN_NAME}:mcp",
        settings=settings,
        options=options,
        deadline=time.monotonic() + seconds + _SLACK,
        emit=emitted.append,
        run_cancelled=threading.Event(),
        limiter=KeyedRateLimiter(),
        breakers=BreakerRegistry(),
        cache=TTLCache(max_entries=256),
        monitor=ResourceMonitor(),
        stats=Stats(),
    )


@click.command("inspect")
@click.argument("target")
@click.option(
    "--transport",
    type=click.Choice(["streamable-http", "sse"]),
    help="Transport of a URL target (default: sse for /sse paths, else streamable-http).",
)
@click.option(
    "--header",
    "headers",
    multiple=True,
    metavar="NAME:VALUE",
    help="Send this HTTP header to the target (repeatable).",
)
@click.option("--bearer", metavar="TOKEN", help="Send 'Authorization: Bearer TOKEN' to the target.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True, max=3600),
    metavar="SECONDS",
    help="Seconds for the whole inventory (default 30, or [plugin.introspect_mcp] timeout).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="Output format.",
)
@click.option("--allow-exec", is_flag=True, help="Start a stdio: target (sandboxed) to inspect it.")
@click.option(
    "--insecure", is_flag=True, help="Do not check TLS certificates, even with credentials."
)
@click.pass_context
def inspect_command(
    ctx: click.Context,
    target: str,
    transport: str | None,
    headers: tuple[str, ...],
    bearer: str | None,
    timeout: float | None,
    fmt: str,
    allow_exec: bool,
    insecure: bool,
) -> int:
    """Inventory one MCP server: TARGET is a URL or stdio:COMMAND LINE."""
    ref = target_ref(target, transport)
    if ref.transport == "stdio" and not allow_exec:
        raise click.UsageError(
            f"{terminal_safe(target, 120)!r} is a command line; "
            "HawkEye starts it only with --allow-exec"
        )
    root = ctx.find_root().params
    overrides: dict[str, Any] = {"allow_exec": True} if allow_exec else {}
    settings, _ = load_settings(config_file=root.get("config_file"), overrides=overrides)
    credentials = _headers(headers, bearer)
    if credentials and ref.url:
        host = (urlsplit(ref.url).hostname or "").lower()
        settings = settings.evolve(headers=credentials, credential_hosts=(host,))
    options = dict(settings.plugin_options(PLUGIN_NAME))
    if timeout is not None:
        options["timeout"] = timeout
    if insecure:
        options["tls_verify"] = False
    try:
        limits = Limits.from_options(options)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    introspector = McpIntrospector()
    call = standalone_context(introspector, settings, options, limits.timeout, [])
    try:
        inventory = run_sync(introspector.run, ref, call)
    except IntrospectionError as exc:
        click.echo(f"hawkeye: error: {terminal_safe(str(exc), 500)}", err=True)
        return EXIT_FAILED
    if fmt == "json":
        click.echo(json.dumps(to_data(inventory), indent=2, ensure_ascii=True))
    else:
        click.echo("\n".join(render_table(inventory)))
    if inventory.protocol_version is None:  # no session: credentials needed, or not started
        reason = inventory.errors[0] if inventory.errors else "no session"
        click.echo(f"hawkeye: error: {terminal_safe(reason, 500)}", err=True)
        return EXIT_FAILED
    return EXIT_OK


def render_table(inventory: ServerInventory) -> list[str]:
    """The inventory as aligned text lines; every server-sent string is escaped."""
    safe = terminal_safe
    ref = inventory.ref
    info = inventory.server_info
    where = ref.url or shlex.join(ref.command or ())
    server = "-"
    if info is not None:
        server = safe(f"{info.name} {info.version}".strip(), 120)
        if info.title:
            server += f" ({safe(info.title, 80)})"
    lines = [
        f"server        {server}",
        f"target        {safe(where, 200)}  [{ref.transport}]",
        f"protocol      {safe(inventory.protocol_version or '-', 40)}",
        f"capabilities  {_capabilities(inventory.capabilities) or '-'}",
    ]
    if inventory.instructions:
        lines.append(f"instructions  {safe(inventory.instructions, 160)}")
    if inventory.auth is not None:
        lines.append(f"auth          {_auth(inventory)}")
    tools = [
        f"  {safe(t.name, 60)}{_title(t.title)}  {safe(t.description, 120)}{_hints(t.annotations)}"
        for t in inventory.tools
    ]
    resources = [
        f"  {safe(r.uri, 100)}  {safe(r.name, 40)}{_mime(r.mime_type)}  {safe(r.description, 100)}"
        for r in inventory.resources
    ]
    templates = [
        f"  {safe(t.uri_template, 100)}  {safe(t.name, 40)}{_mime(t.mime_type)}  "
        f"{safe(t.description, 100)}"
        for t in inventory.resource_templates
    ]
    prompts = [
        f"  {safe(p.name, 60)}({_arguments(p)})  {safe(p.description, 120)}"
        for p in inventory.prompts
    ]
    errors = [f"  {safe(e, 300)}" for e in inventory.errors]
    for title, rows in (
        ("tools", tools),
        ("resources", resources),
        ("resource templates", templates),
        ("prompts", prompts),
        ("errors", errors),
    ):
        # Without a session there are no lists to show, only why (the errors).
        if rows or (title != "errors" and inventory.protocol_version is not None):
            lines += ["", f"{title} ({len(rows)})", *rows]
    return [line.rstrip() for line in lines]


def _capabilities(capabilities: Mapping[str, Any]) -> str:
    names = []
    for name in sorted(capabilities):
        value = capabilities[name]
        flags = [k for k, v in value.items() if v is True] if isinstance(value, Mapping) else []
        label = terminal_safe(name, 40)
        names.append(
            f"{label} ({', '.join(terminal_safe(f, 30) for f in flags)})" if flags else label
        )
    return ", ".join(names)


def _auth(inventory: ServerInventory) -> str:
    auth = inventory.auth
    assert auth is not None
    if auth.required is False:
        return "none required (answered without credentials)"
    if auth.required is None:
        return "credentials sent and accepted"
    parts = [f"required (HTTP {auth.status})"]
    if auth.resource_metadata:
        resource = auth.resource_metadata.get("resource")
        if isinstance(resource, str):
            parts.append(f"resource {terminal_safe(resource, 100)}")
    if auth.authorization_servers:
        servers = ", ".join(terminal_safe(s, 100) for s in auth.authorization_servers)
        parts.append(f"authorization servers {servers}")
    return "; ".join(parts)


def _arguments(prompt: Prompt) -> str:
    """``name*, other``: the prompt's arguments, required ones starred."""
    return ", ".join(
        terminal_safe(a.name, 30) + ("*" if a.required else "") for a in prompt.arguments
    )


def _title(title: str | None) -> str:
    return f" ({terminal_safe(title, 60)})" if title else ""


def _mime(mime_type: str | None) -> str:
    return f"  [{terminal_safe(mime_type, 40)}]" if mime_type else ""


def _hints(annotations: Mapping[str, Any]) -> str:
    hints = [k.removesuffix("Hint") for k, v in annotations.items() if k.endswith("Hint") and v]
    return f"  [{', '.join(terminal_safe(h, 30) for h in hints)}]" if hints else ""
