"""Each server's card: how it is reached, where it was found, and everything it exposes."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from hawkeye_core import (
    AuthPosture,
    Finding,
    Prompt,
    Resource,
    ResourceTemplate,
    ServerInventory,
    ServerRef,
    Tool,
    redact_command,
    redact_env,
    to_data,
)
from hawkeye_report_html.text import esc

__all__ = ["server_card", "server_label"]

_MAX_ITEMS = 1000  # per list, per server; the JSON report has them all
_MAX_SCHEMA = 6000


def server_label(ref: ServerRef, inventory: ServerInventory | None) -> str:
    """A server's name: the config's, else what it says of itself, else its address."""
    info = inventory.server_info if inventory is not None else None
    if ref.name:
        return ref.name
    if info is not None and info.name:
        return info.name
    return ref.url or " ".join(redact_command(ref.command or ())) or ref.key


def _dl(items: Iterable[tuple[str, str]]) -> str:
    rows = "".join(f"<dt>{label}</dt><dd>{value}</dd>" for label, value in items if value)
    return f"<dl>{rows}</dl>" if rows else ""


def _json(value: Any) -> str:
    text = json.dumps(to_data(value), indent=1, ensure_ascii=False, sort_keys=True, default=str)
    return f"<pre>{esc(text, _MAX_SCHEMA)}</pre>"


def _auth(auth: AuthPosture | None) -> str:
    if auth is None:
        return ""
    required = {True: "required", False: "not required", None: "not determined"}[auth.required]
    parts = [esc(required)]
    if auth.status is not None:
        parts.append(f"HTTP {esc(auth.status)}")
    if auth.www_authenticate:
        parts.append(f"WWW-Authenticate: <code>{esc(auth.www_authenticate, 300)}</code>")
    if auth.authorization_servers:
        servers = ", ".join(esc(s, 200) for s in auth.authorization_servers[:10])
        parts.append(f"authorization servers: {servers}")
    return " · ".join(parts)


def _table(header: Sequence[str], rows: list[list[str]], total: int) -> str:
    head = "".join(
        f'<th class="{"wide" if h == "Description" else "narrow"}">{h}</th>' for h in header
    )
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    more = ""
    if total > len(rows):
        more = f'<p class="muted">… and {total - len(rows):,} more in the JSON report.</p>'
    return f'<table class="items"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}'


def _section(title: str, items: Sequence[Any], header: Sequence[str], row: Any) -> str:
    if not items:
        return ""
    rows = [row(item) for item in items[:_MAX_ITEMS]]
    return (
        f"<details open><summary>{title} ({len(items):,})</summary>"
        f"{_table(header, rows, len(items))}</details>"
    )


def _description(text: str) -> str:
    return f'<div class="text">{esc(text)}</div>' if text else '<span class="muted">none</span>'


def _parameters(tool: Tool) -> str:
    schema = tool.input_schema
    properties = schema.get("properties")
    required = (
        set(schema.get("required") or ()) if isinstance(schema.get("required"), Sequence) else set()
    )
    items = []
    if isinstance(properties, Mapping):
        for name, spec in list(properties.items())[:100]:
            kind = spec.get("type", "") if isinstance(spec, Mapping) else ""
            mark = " <strong>*</strong>" if name in required else ""
            items.append(f"<li><code>{esc(name, 100)}</code> {esc(kind, 60)}{mark}</li>")
    listing = f'<ul class="plain">{"".join(items)}</ul>' if items else ""
    if not schema:
        return listing or '<span class="muted">none</span>'
    return f"{listing}<details><summary>input schema</summary>{_json(schema)}</details>"


def _annotations(tool: Tool) -> str:
    if not tool.annotations:
        return ""
    return ", ".join(
        f"{esc(k, 60)}={esc(json.dumps(to_data(v), ensure_ascii=False), 100)}"
        for k, v in list(tool.annotations.items())[:20]
    )


def _tool_row(tool: Tool) -> list[str]:
    name = f"<code>{esc(tool.name, 200)}</code>"
    if tool.title:
        name += f"<br>{esc(tool.title, 200)}"
    return [name, _description(tool.description), _parameters(tool), _annotations(tool)]


def _resource_row(resource: Resource) -> list[str]:
    return [
        f"<code>{esc(resource.uri, 500)}</code>",
        esc(resource.name, 200),
        _description(resource.description),
        esc(resource.mime_type or "", 100),
    ]


def _template_row(template: ResourceTemplate) -> list[str]:
    return [
        f"<code>{esc(template.uri_template, 500)}</code>",
        esc(template.name, 200),
        _description(template.description),
        esc(template.mime_type or "", 100),
    ]


def _prompt_row(prompt: Prompt) -> list[str]:
    arguments = "".join(
        f"<li><code>{esc(a.name, 100)}</code>{' <strong>*</strong>' if a.required else ''}"
        f"{' — ' + esc(a.description, 300) if a.description else ''}</li>"
        for a in prompt.arguments[:50]
    )
    return [
        f"<code>{esc(prompt.name, 200)}</code>",
        _description(prompt.description),
        f'<ul class="plain">{arguments}</ul>' if arguments else "",
    ]


def _facts(ref: ServerRef, inventory: ServerInventory | None) -> str:
    info = inventory.server_info if inventory is not None else None
    info = info or ref.server_info
    described = ""
    if info is not None:
        described = esc(" ".join(p for p in (info.name, info.version) if p), 300)
        if info.title:
            described += f" — {esc(info.title, 300)}"
    address = esc(ref.url, 500) if ref.url else ""
    if ref.command:
        address = f"<code>{esc(' '.join(redact_command(ref.command)), 1000)}</code>"
    env = redact_env(ref.env)
    environment = "".join(
        f"<li><code>{esc(k, 100)}={esc(v, 300)}</code></li>" for k, v in list(env.items())[:50]
    )
    evidence = "".join(f"<li>{esc(e, 500)}</li>" for e in ref.evidence[:20])
    protocol = (inventory.protocol_version if inventory else None) or ref.protocol_version
    return _dl(
        [
            ("Transport", esc(ref.transport)),
            ("Address", address),
            ("Found in", esc(ref.found_in, 500)),
            ("Server says", described),
            ("Protocol", esc(protocol or "", 50)),
            ("Authentication", _auth((inventory.auth if inventory else None) or ref.auth)),
            ("TLS", _json(ref.tls) if ref.tls else ""),
            ("Environment", f'<ul class="plain">{environment}</ul>' if environment else ""),
            ("Why MCP", f'<ul class="plain">{evidence}</ul>' if evidence else ""),
            ("Confidence", f"{ref.confidence:.0%}" if ref.confidence < 1 else ""),
        ]
    )


def _inventory(inventory: ServerInventory | None) -> str:
    if inventory is None:
        return '<p class="muted">Not inventoried: no MCP session was opened with this server.</p>'
    parts = []
    if inventory.instructions:
        parts.append(
            f"<details><summary>Instructions</summary>"
            f'<div class="text">{esc(inventory.instructions, 10000)}</div></details>'
        )
    if inventory.capabilities:
        parts.append(
            f"<details><summary>Capabilities</summary>{_json(inventory.capabilities)}</details>"
        )
    parts.append(
        _section(
            "Tools",
            inventory.tools,
            ["Name", "Description", "Parameters", "Annotations"],
            _tool_row,
        )
    )
    parts.append(
        _section(
            "Resources",
            inventory.resources,
            ["URI", "Name", "Description", "MIME type"],
            _resource_row,
        )
    )
    parts.append(
        _section(
            "Resource templates",
            inventory.resource_templates,
            ["URI template", "Name", "Description", "MIME type"],
            _template_row,
        )
    )
    parts.append(
        _section("Prompts", inventory.prompts, ["Name", "Description", "Arguments"], _prompt_row)
    )
    if not (inventory.tools or inventory.resources or inventory.resource_templates) and not (
        inventory.prompts
    ):
        parts.append('<p class="muted">The server exposes no tools, resources or prompts.</p>')
    if inventory.errors:
        errors = "".join(f"<li>{esc(e, 500)}</li>" for e in inventory.errors[:50])
        parts.append(f'<p>Could not list everything:</p><ul class="plain">{errors}</ul>')
    return "".join(parts)


def server_card(
    index: int,
    ref: ServerRef,
    inventory: ServerInventory | None,
    findings: Sequence[tuple[int, Finding]],
) -> str:
    """The card of server number ``index``, linking to its ``findings`` (by finding number)."""
    links = "".join(
        f'<li><a href="#finding-{number}"><span class="sev sev-{finding.severity}">'
        f"{esc(str(finding.severity))}</span> {esc(finding.title, 200)}</a></li>"
        for number, finding in findings[:200]
    )
    found = (
        f'<p>Findings ({len(findings)}):</p><ul class="plain">{links}</ul>'
        if findings
        else '<p class="muted">No findings.</p>'
    )
    return (
        f'<article class="server" id="server-{index}">'
        f"<h3>{esc(server_label(ref, inventory), 200)}"
        f'<span class="badge">{esc(ref.transport)}</span></h3>'
        f"{_facts(ref, inventory)}{found}{_inventory(inventory)}</article>"
    )
