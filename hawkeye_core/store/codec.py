"""A :class:`ScanResult` as bytes for the store, and back, exactly.

``to_data`` is made for reports and loses information (enums as lower-case
names, non-finite floats as ``None``); the store needs the very records back,
so that a past scan re-renders byte for byte as its run did. Encoding keeps
every field of every record, in order; decoding rebuilds each record from its
class's type hints, so a field added to a record later (with a default) still
reads old scans.
"""

from __future__ import annotations

import enum
import json
import types
import typing
import zlib
from collections.abc import Mapping
from typing import Any

import attrs

from hawkeye_core.result import ScanResult

__all__ = ["CODEC", "CodecError", "decode_result", "encode_result"]

#: Names the encoding; stored beside each blob so a later format can coexist.
CODEC = "zlib+json/1"


class CodecError(ValueError):
    """A stored result cannot be encoded or decoded; the message says where."""


def encode_result(result: ScanResult) -> bytes:
    """``result`` as compressed JSON that :func:`decode_result` turns back into it."""
    data = _encode(result, "result")
    # ensure_ascii: lone surrogates from a hostile server survive as escapes.
    text = json.dumps(data, ensure_ascii=True, separators=(",", ":"), allow_nan=True)
    return zlib.compress(text.encode("ascii"), 6)


def decode_result(blob: bytes) -> ScanResult:
    """The :class:`ScanResult` that :func:`encode_result` made ``blob`` from."""
    try:
        data = json.loads(zlib.decompress(blob).decode("ascii"))
    except (zlib.error, UnicodeDecodeError, ValueError) as exc:
        raise CodecError(f"the stored result is damaged ({exc})") from None
    try:
        result = _decode(ScanResult, data, "result")
    except (TypeError, ValueError, KeyError) as exc:
        raise CodecError(f"the stored result does not fit the records: {exc}") from None
    assert isinstance(result, ScanResult)
    return result


def _encode(value: Any, where: str) -> Any:
    if attrs.has(type(value)):
        return {
            f.name: _encode(getattr(value, f.name), f"{where}.{f.name}")
            for f in attrs.fields(type(value))
            if f.init
        }
    if isinstance(value, enum.Enum):
        return value.name
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, Mapping):
        return {str(k): _encode(v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_encode(v, f"{where}[{i}]") for i, v in enumerate(value)]
    raise CodecError(f"cannot store {where}: a {type(value).__name__} is not JSON data")


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    hints = _HINTS.get(cls)
    if hints is None:
        hints = _HINTS[cls] = typing.get_type_hints(cls)
    return hints


def _decode(tp: Any, data: Any, where: str) -> Any:
    if tp is Any or data is None:
        return data  # None only where the field allows it; the record checks
    origin = typing.get_origin(tp)
    if origin is types.UnionType or origin is typing.Union:
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        return _decode(options[0], data, where) if len(options) == 1 else data
    if isinstance(tp, type) and attrs.has(tp):
        if not isinstance(data, Mapping):
            raise CodecError(f"{where}: expected an object for {tp.__name__}")
        hints = _hints(tp)
        kwargs = {
            f.name: _decode(hints.get(f.name, Any), data[f.name], f"{where}.{f.name}")
            for f in attrs.fields(tp)
            if f.init and f.name in data
        }
        return tp(**kwargs)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return tp[data]
    if origin is tuple:
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_decode(args[0], v, f"{where}[{i}]") for i, v in enumerate(data))
        pairs = enumerate(zip(args, data, strict=True))
        return tuple(_decode(a, v, f"{where}[{i}]") for i, (a, v) in pairs)
    if origin in (Mapping, dict) or tp in (Mapping, dict):
        args = typing.get_args(tp)
        value_type = args[1] if len(args) == 2 else Any
        return {k: _decode(value_type, v, f"{where}.{k}") for k, v in data.items()}
    return data  # str, int, float, bool: JSON already has them exactly
