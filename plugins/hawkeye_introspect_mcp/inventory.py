"""SDK results -> HawkEye records, with every string, schema and list bounded.

A server chooses every byte of its tool descriptions and schemas, so nothing is
kept as sent without a bound: strings longer than ``max_string`` are cut and
end with :data:`TRUNCATED` (an analyser can tell a cut string from a short
one), JSON nested deeper than ``max_depth`` is replaced by a marker string, and
one value keeps at most ``MAX_NODES`` JSON nodes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mcp import types

from hawkeye_core import (
    Prompt,
    PromptArgument,
    Resource,
    ResourceTemplate,
    ServerInfo,
    Tool,
)
from hawkeye_introspect_mcp.limits import Limits

__all__ = ["MAX_NODES", "TRUNCATED", "Clipper"]

#: How every cut string ends: ``...[hawkeye: truncated 1234 characters]``.
TRUNCATED = "[hawkeye: truncated"
#: JSON nodes (objects, arrays, scalars) kept of one schema, annotation or capability set.
MAX_NODES = 20_000
_NAME_LIMIT = 1024


class Clipper:
    """Converts SDK models to records within ``limits``."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits

    def text(self, value: object, limit: int | None = None) -> str:
        """``value`` as a string of at most ``limit`` characters (default ``max_string``)."""
        text = value if isinstance(value, str) else str(value)
        limit = self.limits.max_string if limit is None else limit
        if len(text) <= limit:
            return text
        return f"{text[:limit]}…{TRUNCATED} {len(text) - limit} characters]"

    def optional_text(self, value: object, limit: int | None = None) -> str | None:
        """Like :meth:`text`, keeping None as None."""
        return None if value is None else self.text(value, limit)

    def json(self, value: Any) -> Any:
        """JSON-shaped ``value`` with its strings, depth and size bounded."""
        budget = [MAX_NODES]
        return self._json(value, 0, budget)

    def _json(self, value: Any, depth: int, budget: list[int]) -> Any:
        budget[0] -= 1
        if budget[0] < 0:
            return f"{TRUNCATED}: more than {MAX_NODES} JSON values]"
        # Most nodes are plain scalars: exact type checks spare them the ABC checks below.
        kind = type(value)
        if kind is str:
            return self.text(value)
        if value is None or kind is bool or kind is int or kind is float:
            return value
        if isinstance(value, Mapping | list | tuple) and depth >= self.limits.max_depth:
            return f"{TRUNCATED}: nested deeper than {self.limits.max_depth} levels]"
        if isinstance(value, Mapping):
            out: dict[str, Any] = {}
            for key, item in value.items():
                if budget[0] <= 0:
                    out[TRUNCATED] = f"more than {MAX_NODES} JSON values]"
                    break
                out[self.text(key, _NAME_LIMIT)] = self._json(item, depth + 1, budget)
            return out
        if isinstance(value, list | tuple):
            items = []
            for item in value:
                if budget[0] <= 0:
                    items.append(f"{TRUNCATED}: more than {MAX_NODES} JSON values]")
                    break
                items.append(self._json(item, depth + 1, budget))
            return items
        if isinstance(value, str):
            return self.text(value)
        if value is None or isinstance(value, bool | int | float):
            return value
        return self.text(value)

    def model(self, model: Any) -> dict[str, Any]:
        """A pydantic model (or None) as bounded JSON, with its wire names."""
        if model is None:
            return {}
        data = model.model_dump(by_alias=True, mode="json", exclude_none=True)
        clipped = self.json(data)
        return clipped if isinstance(clipped, dict) else {}

    def server_info(self, info: types.Implementation | None) -> ServerInfo | None:
        """The server's ``serverInfo``, if it gave one."""
        if info is None:
            return None
        return ServerInfo(
            name=self.text(info.name, _NAME_LIMIT),
            version=self.text(info.version or "", _NAME_LIMIT),
            title=self.optional_text(info.title, _NAME_LIMIT),
        )

    def tool(self, tool: types.Tool) -> Tool:
        """One ``tools/list`` entry."""
        output = tool.output_schema
        return Tool(
            name=self.text(tool.name, _NAME_LIMIT),
            title=self.optional_text(tool.title, _NAME_LIMIT),
            description=self.text(tool.description or ""),
            input_schema=self.json(tool.input_schema or {}),
            output_schema=None if output is None else self.json(output),
            annotations=self.model(tool.annotations),
        )

    def resource(self, resource: types.Resource) -> Resource:
        """One ``resources/list`` entry."""
        return Resource(
            uri=self.text(str(resource.uri)),
            name=self.text(resource.name or "", _NAME_LIMIT),
            description=self.text(resource.description or ""),
            mime_type=self.optional_text(resource.mime_type, _NAME_LIMIT),
        )

    def template(self, template: types.ResourceTemplate) -> ResourceTemplate:
        """One ``resources/templates/list`` entry."""
        return ResourceTemplate(
            uri_template=self.text(template.uri_template),
            name=self.text(template.name or "", _NAME_LIMIT),
            description=self.text(template.description or ""),
            mime_type=self.optional_text(template.mime_type, _NAME_LIMIT),
        )

    def prompt(self, prompt: types.Prompt) -> Prompt:
        """One ``prompts/list`` entry, with its arguments (at most ``max_items``)."""
        arguments = (prompt.arguments or [])[: self.limits.max_items]
        return Prompt(
            name=self.text(prompt.name, _NAME_LIMIT),
            description=self.text(prompt.description or ""),
            arguments=[
                PromptArgument(
                    name=self.text(a.name, _NAME_LIMIT),
                    description=self.text(a.description or ""),
                    required=bool(a.required),
                )
                for a in arguments
            ],
        )
