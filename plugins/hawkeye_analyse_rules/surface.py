"""Every piece of server text a model reads, with where it came from.

A *surface* is one string a server controls and a client puts in front of the
model: a tool's title and description, the descriptions, titles, defaults,
enum values and examples inside its input and output schemas, prompt and prompt-argument
descriptions, resource and template names and descriptions, and the server's
``instructions``. Walking a schema is bounded (depth and node count), since a
scanned server chooses its schemas.
"""

from __future__ import annotations

import functools
import types
from collections.abc import Iterator, Mapping
from typing import Any

from attrs import frozen

from hawkeye_core import Location, ServerInventory, Tool

__all__ = ["Surface", "location_of", "lowered", "surfaces", "tool_params"]


@functools.lru_cache(maxsize=256)
def lowered(params: frozenset[str]) -> frozenset[str]:
    """``params`` in lower case, computed once per parameter set.

    Every surface of a tool carries the tool's parameter set: a schema of
    20,000 properties lower-cased once per surface cost a second per tool.
    """
    return frozenset(p.lower() for p in params)


MAX_DEPTH = 8
MAX_NODES = 400
MAX_TEXT = 65_536  # characters of one surface that are read
# Records hold read-only mappings; checking these concrete types is much cheaper than the ABC.
_MAPPINGS = (dict, types.MappingProxyType)
_SEQUENCES = (list, tuple)


@frozen
class Surface:
    """One string the model reads: ``kind`` of owner, owner name, field path, text."""

    kind: str  # tool, prompt, resource, template, server
    owner: str
    field: str  # description, inputSchema.properties.x.description, instructions, ...
    text: str
    tool: Tool | None = None
    params: frozenset[str] = frozenset()


def location_of(inventory: ServerInventory, surface: Surface | None = None) -> Location:
    """The location of ``surface`` (or of the server itself) in ``inventory``."""
    server = inventory.ref.label
    if surface is None or surface.kind == "server":
        return Location(server=server)
    if surface.kind == "tool":
        return Location(server=server, tool=surface.owner)
    if surface.kind == "prompt":
        return Location(server=server, prompt=surface.owner)
    return Location(server=server, resource=surface.owner)


def tool_params(tool: Tool) -> frozenset[str]:
    """The names of ``tool``'s top-level input parameters."""
    properties = tool.input_schema.get("properties")
    if isinstance(properties, Mapping):
        return frozenset(str(name) for name in properties)
    return frozenset()


def _schema_strings(
    schema: Any, path: str, budget: list[int], depth: int = 0
) -> Iterator[tuple[str, str]]:
    """``(path, text)`` of the strings a model reads inside a JSON schema."""
    if depth > MAX_DEPTH or budget[0] <= 0 or not isinstance(schema, _MAPPINGS):
        return
    budget[0] -= 1
    for key in ("title", "description"):
        value = schema.get(key)
        if isinstance(value, str) and value:
            yield f"{path}.{key}", value
    for key in ("default", "const", "examples", "enum"):
        value = schema.get(key)
        values = value if isinstance(value, _SEQUENCES) else (value,)
        for index, item in enumerate(values[:50]):
            suffix = f"[{index}]" if isinstance(value, _SEQUENCES) else ""
            # an example of an array parameter is itself a list of values
            nested = item if isinstance(item, _SEQUENCES) else (item,)
            for inner, text in enumerate(nested[:20]):
                if isinstance(text, str) and len(text) > 3:
                    more = f"[{inner}]" if nested is item else ""
                    yield f"{path}.{key}{suffix}{more}", text
    properties = schema.get("properties")
    if isinstance(properties, _MAPPINGS):
        for name, sub in list(properties.items())[:200]:
            yield from _schema_strings(sub, f"{path}.properties.{name}", budget, depth + 1)
    for key in ("items", "additionalProperties"):
        yield from _schema_strings(schema.get(key), f"{path}.{key}", budget, depth + 1)
    for key in ("anyOf", "oneOf", "allOf"):
        subs = schema.get(key)
        if isinstance(subs, _SEQUENCES):
            for index, sub in enumerate(subs[:20]):
                yield from _schema_strings(sub, f"{path}.{key}[{index}]", budget, depth + 1)
    defs = schema.get("$defs") or schema.get("definitions")
    if isinstance(defs, _MAPPINGS):
        for name, sub in list(defs.items())[:50]:
            yield from _schema_strings(sub, f"{path}.$defs.{name}", budget, depth + 1)


def surfaces(inventory: ServerInventory) -> Iterator[Surface]:
    """Every surface of ``inventory``, tools first, then prompts, resources and instructions."""
    all_params: set[str] = set()
    for tool in inventory.tools:
        params = tool_params(tool)
        all_params |= params
        if tool.description:
            yield Surface(
                "tool", tool.name, "description", tool.description[:MAX_TEXT], tool, params
            )
        if tool.title:
            yield Surface("tool", tool.name, "title", tool.title[:MAX_TEXT], tool, params)
        title = tool.annotations.get("title")
        if isinstance(title, str) and title:
            yield Surface("tool", tool.name, "annotations.title", title[:MAX_TEXT], tool, params)
        budget = [MAX_NODES]
        for path, text in _schema_strings(tool.input_schema, "inputSchema", budget):
            yield Surface("tool", tool.name, path, text[:MAX_TEXT], tool, params)
        if tool.output_schema:
            for path, text in _schema_strings(tool.output_schema, "outputSchema", budget):
                yield Surface("tool", tool.name, path, text[:MAX_TEXT], tool, params)
    for prompt in inventory.prompts:
        params = frozenset(a.name for a in prompt.arguments)
        if prompt.description:
            yield Surface(
                "prompt", prompt.name, "description", prompt.description[:MAX_TEXT], None, params
            )
        for argument in prompt.arguments:
            if argument.description:
                field = f"arguments.{argument.name}.description"
                yield Surface(
                    "prompt", prompt.name, field, argument.description[:MAX_TEXT], None, params
                )
    for resource in inventory.resources:
        owner = resource.uri or resource.name
        if resource.description:
            yield Surface("resource", owner, "description", resource.description[:MAX_TEXT])
        if resource.name:
            yield Surface("resource", owner, "name", resource.name[:MAX_TEXT])
    for template in inventory.resource_templates:
        owner = template.uri_template or template.name
        if template.description:
            yield Surface("template", owner, "description", template.description[:MAX_TEXT])
    if inventory.instructions:
        yield Surface(
            "server",
            "",
            "instructions",
            inventory.instructions[:MAX_TEXT],
            None,
            frozenset(all_params),
        )
