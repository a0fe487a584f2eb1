"""The records that flow through the pipeline.

Plugins exchange frozen, keyword-only ``attrs`` records, never dicts. Each
record validates itself on construction, so a bad value fails where it is
made, with a message naming the field. JSON-shaped data a server sent (schemas,
capabilities) is kept as read-only mappings inside the records.

The flow: :class:`Target` (L1 scanners) -> :class:`Endpoint` (L2 detectors) ->
:class:`ServerRef` (L3 introspectors) -> :class:`ServerInventory` (L4
analysers) -> :class:`Finding`; every plugin call also leaves an
:class:`Outcome`.
"""

from __future__ import annotations

import enum
import types
from collections.abc import Iterable, Mapping
from typing import Any

import attrs
from attrs import field, frozen, validators

__all__ = [
    "TRANSPORTS",
    "AuthPosture",
    "Endpoint",
    "Finding",
    "Location",
    "Outcome",
    "Prompt",
    "PromptArgument",
    "Resource",
    "ResourceTemplate",
    "ServerInfo",
    "ServerInventory",
    "ServerRef",
    "Severity",
    "Target",
    "Tool",
]

#: Transports a server reference may name.
TRANSPORTS = frozenset({"stdio", "sse", "streamable-http", "http", "websocket", "unknown"})

_str = validators.instance_of(str)
_opt_str = validators.optional(_str)


def as_tuple(value: Iterable[Any]) -> tuple[Any, ...]:
    """Converter: any iterable (a list, a generator) as a tuple."""
    return tuple(value)


def freeze(value: Any) -> Any:
    """A read-only view of JSON-shaped data (mappings frozen, lists as tuples)."""
    if isinstance(value, Mapping):
        return types.MappingProxyType({str(k): freeze(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(freeze(v) for v in value)
    return value


def _frozen_mapping(value: Any) -> Mapping[str, Any]:
    if value is None:
        return types.MappingProxyType({})
    if not isinstance(value, Mapping):
        raise TypeError(f"expected a mapping, got {type(value).__name__}")
    frozen_value: Mapping[str, Any] = freeze(value)
    return frozen_value


def _port(instance: Any, attribute: attrs.Attribute[Any], value: int | None) -> None:
    if value is not None and not (isinstance(value, int) and 0 < value < 65536):
        raise ValueError(f"{attribute.name} must be a TCP port (1-65535), not {value!r}")


def _confidence(instance: Any, attribute: attrs.Attribute[Any], value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{attribute.name} must be between 0 and 1, not {value!r}")


def _nonempty(instance: Any, attribute: attrs.Attribute[Any], value: str) -> None:
    if not value:
        raise ValueError(f"{attribute.name} must not be empty")


def host_port(host: str, port: int) -> str:
    """``host:port``, with an IPv6 host in brackets, as URLs write it."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class Severity(enum.IntEnum):
    """How bad a finding is; ordered, so ``severity >= Severity.HIGH`` works."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @classmethod
    def parse(cls, text: str) -> Severity:
        """Read ``high`` (any case) as a severity."""
        try:
            return cls[text.strip().upper()]
        except KeyError:
            names = ", ".join(s.name.lower() for s in cls)
            raise ValueError(f"unknown severity {text!r}; expected one of {names}") from None

    def __str__(self) -> str:
        return self.name.lower()


def _severity(value: Severity | str) -> Severity:
    return value if isinstance(value, Severity) else Severity.parse(value)


@frozen(kw_only=True)
class Target:
    """Something the user asked to scan: a host or address, maybe a port or URL."""

    spec: str = field(validator=[_str, _nonempty])  # as the user wrote it
    host: str = field(validator=[_str, _nonempty])
    port: int | None = field(default=None, validator=_port)
    url: str | None = field(default=None, validator=_opt_str)


@frozen(kw_only=True)
class Endpoint:
    """A scanned TCP port (L1 output, L2 input)."""

    host: str = field(validator=[_str, _nonempty])
    port: int = field(validator=_port)
    state: str = field(default="open", validator=validators.in_(("open", "closed", "filtered")))
    url: str | None = field(default=None, validator=_opt_str)  # when the target named one
    reason: str = field(default="", validator=_str)  # why it is in this state
    elapsed: float | None = None  # seconds the probe took

    @property
    def address(self) -> str:
        """``host:port``, with an IPv6 host in brackets (``[::1]:8000``)."""
        return host_port(self.host, self.port)


@frozen(kw_only=True)
class ServerInfo:
    """The ``serverInfo`` an MCP server reports in its initialize result."""

    name: str = field(validator=_str)
    version: str = field(default="", validator=_str)
    title: str | None = field(default=None, validator=_opt_str)


@frozen(kw_only=True)
class AuthPosture:
    """What a server asks of a client before it answers."""

    required: bool | None = None  # None: not determined
    status: int | None = None  # HTTP status of the unauthenticated attempt
    www_authenticate: str | None = field(default=None, validator=_opt_str)
    resource_metadata: Mapping[str, Any] | None = field(
        default=None, converter=attrs.converters.optional(_frozen_mapping)
    )
    authorization_servers: tuple[str, ...] = field(default=(), converter=as_tuple)
    #: each authorization server's metadata (RFC 8414 / OpenID), by issuer
    authorization_server_metadata: Mapping[str, Any] = field(
        factory=dict, converter=_frozen_mapping
    )


@frozen(kw_only=True)
class ServerRef:
    """A place an MCP server can be reached: a URL, or a stdio command line.

    Made by L2 detectors (network fingerprinting, client configs, processes);
    consumed by L3 introspectors.
    """

    transport: str = field(validator=validators.in_(TRANSPORTS))
    url: str | None = field(default=None, validator=_opt_str)
    command: tuple[str, ...] | None = field(
        default=None, converter=attrs.converters.optional(tuple)
    )
    env: Mapping[str, str] = field(factory=dict, converter=_frozen_mapping)
    cwd: str | None = field(default=None, validator=_opt_str)  # a stdio server's working dir
    name: str = field(default="", validator=_str)  # the name a config gives it
    found_in: str = field(default="", validator=_str)  # config path, pid, or scanned endpoint
    protocol_version: str | None = field(default=None, validator=_opt_str)
    server_info: ServerInfo | None = None  # what the server said of itself, if it did
    auth: AuthPosture | None = None  # what it asked of an unauthenticated client
    tls: Mapping[str, Any] | None = field(  # certificate facts of an https server
        default=None, converter=attrs.converters.optional(_frozen_mapping)
    )
    evidence: tuple[str, ...] = field(default=(), converter=as_tuple)  # why it is MCP
    confidence: float = field(default=1.0, validator=_confidence)

    def __attrs_post_init__(self) -> None:
        if self.transport == "stdio":
            if not self.command:
                raise ValueError("a stdio server reference needs a command")
        elif self.transport != "unknown" and not self.url:
            raise ValueError(f"a {self.transport} server reference needs a url")

    @property
    def key(self) -> str:
        """Identity of the server, for de-duplication across detectors."""
        if self.transport == "stdio" and self.command:
            return "stdio:" + " ".join(self.command)
        return f"{self.transport}:{self.url or self.name}"

    @property
    def label(self) -> str:
        """How findings name the server (``Location.server``): config name, URL, else command."""
        if self.name:
            return self.name
        if self.url:
            return self.url
        if self.command:
            return " ".join(self.command)[:200]
        return self.key


@frozen(kw_only=True)
class Tool:
    """One tool from ``tools/list``."""

    name: str = field(validator=_str)
    description: str = field(default="", validator=_str)
    title: str | None = field(default=None, validator=_opt_str)
    input_schema: Mapping[str, Any] = field(factory=dict, converter=_frozen_mapping)
    output_schema: Mapping[str, Any] | None = field(
        default=None, converter=attrs.converters.optional(_frozen_mapping)
    )
    annotations: Mapping[str, Any] = field(factory=dict, converter=_frozen_mapping)


@frozen(kw_only=True)
class Resource:
    """One resource from ``resources/list``."""

    uri: str = field(validator=_str)
    name: str = field(default="", validator=_str)
    description: str = field(default="", validator=_str)
    mime_type: str | None = field(default=None, validator=_opt_str)


@frozen(kw_only=True)
class ResourceTemplate:
    """One template from ``resources/templates/list``."""

    uri_template: str = field(validator=_str)
    name: str = field(default="", validator=_str)
    description: str = field(default="", validator=_str)
    mime_type: str | None = field(default=None, validator=_opt_str)


@frozen(kw_only=True)
class PromptArgument:
    """One argument of a prompt."""

    name: str = field(validator=_str)
    description: str = field(default="", validator=_str)
    required: bool = False


@frozen(kw_only=True)
class Prompt:
    """One prompt from ``prompts/list``."""

    name: str = field(validator=_str)
    description: str = field(default="", validator=_str)
    arguments: tuple[PromptArgument, ...] = field(default=(), converter=as_tuple)


@frozen(kw_only=True)
class ServerInventory:
    """Everything one MCP server exposes (L3 output, L4 input)."""

    ref: ServerRef
    server_info: ServerInfo | None = None
    protocol_version: str | None = field(default=None, validator=_opt_str)
    capabilities: Mapping[str, Any] = field(factory=dict, converter=_frozen_mapping)
    instructions: str | None = field(default=None, validator=_opt_str)
    tools: tuple[Tool, ...] = field(default=(), converter=as_tuple)
    resources: tuple[Resource, ...] = field(default=(), converter=as_tuple)
    resource_templates: tuple[ResourceTemplate, ...] = field(default=(), converter=as_tuple)
    prompts: tuple[Prompt, ...] = field(default=(), converter=as_tuple)
    auth: AuthPosture | None = None
    errors: tuple[str, ...] = field(default=(), converter=as_tuple)  # per-list problems


@frozen(kw_only=True)
class Location:
    """Where a finding is: a server and, optionally, what inside it or which file."""

    server: str = field(default="", validator=_str)
    tool: str | None = field(default=None, validator=_opt_str)
    prompt: str | None = field(default=None, validator=_opt_str)
    resource: str | None = field(default=None, validator=_opt_str)
    file: str | None = field(default=None, validator=_opt_str)
    line: int | None = None

    def items(self) -> list[tuple[str, str]]:
        """What inside the server it is, as ``(label, value)`` pairs to show.

        ``("tool", NAME)``, ``("prompt", NAME)``, ``("resource", URI)`` and
        ``("file", "PATH:LINE")``, each only when set; the server is not included.
        """
        pairs = [
            (label, value)
            for label, value in (
                ("tool", self.tool),
                ("prompt", self.prompt),
                ("resource", self.resource),
            )
            if value
        ]
        if self.file:
            pairs.append(("file", self.file + (f":{self.line}" if self.line else "")))
        return pairs

    @classmethod
    def of_item(cls, server: str, kind: str, name: str) -> Location:
        """The location of item ``name`` of ``kind`` on ``server``.

        ``kind`` is ``tool``, ``prompt``, ``resource``, ``resource_template``
        (or ``template``); anything else (instructions, server info) is the
        server itself.
        """
        if kind == "tool":
            return cls(server=server, tool=name)
        if kind == "prompt":
            return cls(server=server, prompt=name)
        if kind in ("resource", "resource_template", "template"):
            return cls(server=server, resource=name)
        return cls(server=server)


@frozen(kw_only=True)
class Finding:
    """A security risk, with the evidence that shows it (L4 output)."""

    rule_id: str = field(validator=[_str, _nonempty])
    severity: Severity = field(converter=_severity)
    confidence: float = field(default=1.0, validator=_confidence)
    title: str = field(validator=[_str, _nonempty])
    evidence: str = field(default="", validator=_str)
    location: Location = field(factory=Location)
    remediation: str = field(default="", validator=_str)
    cwe: tuple[str, ...] = field(default=(), converter=as_tuple)
    owasp_mcp: tuple[str, ...] = field(default=(), converter=as_tuple)
    #: The model whose judgement this is (the LLM analyser's findings); None for a rule's.
    judged_by: str | None = field(default=None, validator=_opt_str)
    plugin: str = field(default="", validator=_str)  # set by the runner
    suppressed: str | None = field(default=None, validator=_opt_str)  # the reason, if accepted


@frozen(kw_only=True)
class Outcome:
    """What one plugin call did: when, how long, and how it ended.

    ``status`` is ``ok``, ``error``, ``timeout`` (past its deadline, abandoned),
    ``skipped`` (its circuit breaker was open) or ``cancelled`` (the run stopped).
    """

    plugin: str = field(validator=_str)  # "<plugin>:<record name>"
    kind: str = field(validator=_str)  # scanner, detector, introspector, analyser
    level: int
    subject: str = field(default="", validator=_str)  # what it was called on
    status: str = field(
        default="ok", validator=validators.in_(("ok", "error", "timeout", "skipped", "cancelled"))
    )
    started: float = 0.0  # wall clock (time.time)
    duration: float = 0.0  # seconds
    produced: int = 0  # records it emitted that were kept
    error: str | None = field(default=None, validator=_opt_str)
    error_type: str | None = field(default=None, validator=_opt_str)
    thread: str = field(default="", validator=_str)  # the thread that ran it

    @property
    def ok(self) -> bool:
        return self.status == "ok"
