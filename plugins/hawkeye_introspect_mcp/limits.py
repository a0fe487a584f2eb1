"""The introspector's bounds, the ``[plugin.introspect_mcp]`` options, and its errors.

Everything a scanned server sends is hostile input, so every session is bounded
in time, bytes, items, pages, nesting and string length:

.. code-block:: toml

    [plugin.introspect_mcp]
    timeout = 30.0                 # seconds for one server, start to finish
    request_timeout = 10.0         # seconds any one request may wait for its answer
    max_items = 10000              # items kept per list (tools, resources, ...)
    max_pages = 1000               # pages read per list
    max_message_bytes = 8388608    # bytes of one message (a JSON body, an SSE event, a line)
    max_session_bytes = 33554432   # bytes received from one server in all
    max_messages = 20000           # messages received from one server in all
    max_string = 32768             # characters kept of one string (longer: cut, marked)
    max_depth = 32                 # JSON nesting kept in schemas (deeper: replaced, marked)
    stderr_bytes = 65536           # tail of a stdio server's stderr that is kept
    tls_verify = "auto"            # "auto": verify certificates when sending credentials
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
from attrs import frozen

__all__ = ["PLUGIN_NAME", "IntrospectionError", "Limits"]

PLUGIN_NAME = "introspect_mcp"

_KiB = 1024
_MiB = 1024 * _KiB


class IntrospectionError(Exception):
    """A server could not be inventoried; the message is one line saying why."""


#: Each numeric option: whether it is a whole number, and its lowest and highest value.
_RANGES: dict[str, tuple[bool, float, float]] = {
    "timeout": (False, 0.0, 3600.0),
    "request_timeout": (False, 0.0, 3600.0),
    "max_items": (True, 1, 1_000_000),
    "max_pages": (True, 1, 100_000),
    "max_message_bytes": (True, 4 * _KiB, 256 * _MiB),
    "max_session_bytes": (True, 4 * _KiB, 4096 * _MiB),
    "max_messages": (True, 10, 10_000_000),
    "max_string": (True, 64, 16 * _MiB),
    "max_depth": (True, 2, 256),
    "stderr_bytes": (True, 0, 16 * _MiB),
}


def _checked(key: str, value: Any) -> Any:
    whole, low, high = _RANGES[key]
    if whole:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(
                f"[plugin.{PLUGIN_NAME}] {key} must be a whole number from {low:g} to {high:g}, "
                f"not {value!r}"
            )
        return value
    if isinstance(value, bool) or not isinstance(value, int | float) or not low < value <= high:
        raise ValueError(
            f"[plugin.{PLUGIN_NAME}] {key} must be seconds (above {low:g}, at most {high:g}), "
            f"not {value!r}"
        )
    return float(value)


@frozen(kw_only=True)
class Limits:
    """How long, how much and how deep one server may go before it is cut off."""

    timeout: float = 30.0
    request_timeout: float = 10.0
    max_items: int = 10_000
    max_pages: int = 1_000
    max_message_bytes: int = 8 * _MiB
    max_session_bytes: int = 32 * _MiB
    max_messages: int = 20_000
    max_string: int = 32 * _KiB
    max_depth: int = 32
    stderr_bytes: int = 64 * _KiB
    tls_verify: bool | None = None  # None: verify only when credentials are sent

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> Limits:
        """Read and check the plugin's options; ValueError names a bad one."""
        known = [field.name for field in attrs.fields(cls)]
        unknown = sorted(set(options) - set(known))
        if unknown:
            raise ValueError(f"[plugin.{PLUGIN_NAME}] unknown options {unknown}; known: {known}")
        values: dict[str, Any] = {k: _checked(k, v) for k, v in options.items() if k in _RANGES}
        if "tls_verify" in options:
            verify = options["tls_verify"]
            if verify != "auto" and not isinstance(verify, bool):
                raise ValueError(f"[plugin.{PLUGIN_NAME}] tls_verify must be true, false or 'auto'")
            values["tls_verify"] = None if verify == "auto" else verify
        return cls(**values)
