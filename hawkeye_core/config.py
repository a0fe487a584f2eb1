"""Settings: from a file, then ``HAWKEYE_*`` environment variables, then flags.

Precedence rises in that order. The file is ``--config FILE``, else
``hawkeye.toml`` in the working directory, else ``[tool.hawkeye]`` in its
``pyproject.toml``. Unknown keys are rejected with a message naming them;
``[plugin.NAME]`` tables are free-form options for the plugin ``NAME``.
"""

from __future__ import annotations

import os
import tomllib
import types
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import attrs
from attrs import field, frozen

from hawkeye_core.levels import DEFAULT_LEVEL_SIZES, Level, parse_level_size
from hawkeye_core.ports import MCP_PORTS, PortSpec, parse_ports, top_ports
from hawkeye_core.records import freeze
from hawkeye_core.suppress import Suppression, parse_suppressions

__all__ = ["ConfigError", "Settings", "load_settings"]

#: Default per-call deadline of each level, in seconds.
DEFAULT_DEADLINES: Mapping[Level, float] = {
    Level.SCAN: 900.0,
    Level.BATCH: 60.0,
    Level.INTROSPECT: 120.0,
    Level.ANALYSE: 120.0,
}


class ConfigError(Exception):
    """A setting is wrong; the message names the setting and where it came from."""


def _levels(value: Mapping[Level, int]) -> Mapping[Level, int]:
    merged = dict(DEFAULT_LEVEL_SIZES)
    merged.update(value)
    return types.MappingProxyType(merged)


def _deadlines(value: Mapping[Level, float]) -> Mapping[Level, float]:
    merged = dict(DEFAULT_DEADLINES)
    merged.update(value)
    return types.MappingProxyType(merged)


def _paths(value: Iterable[str | Path]) -> tuple[Path, ...]:
    return tuple(Path(p) for p in value)


def _read_only(value: Mapping[str, Any]) -> Mapping[str, Any]:
    frozen_value: Mapping[str, Any] = freeze(value)  # plugins must not edit each other's options
    return frozen_value


@frozen(kw_only=True)
class Settings:
    """Everything a run is configured with. Frozen; make a new one with ``evolve``."""

    levels: Mapping[Level, int] = field(factory=dict, converter=_levels)
    deadlines: Mapping[Level, float] = field(factory=dict, converter=_deadlines)
    rate: float | None = None  # global probes per second (None: unlimited)
    host_rate: float | None = None  # probes per second to any one host
    max_memory_percent: float = 90.0  # system memory use above which intake pauses
    max_rss_mb: float | None = None  # this process's RSS above which intake pauses
    max_cpu_percent: float | None = None  # system CPU above which intake pauses
    breaker_threshold: int = 5  # consecutive failures that open a plugin's breaker
    breaker_reset: float = 30.0  # seconds before an open breaker lets a probe through
    plugins_dir: tuple[Path, ...] = field(default=(), converter=_paths)
    load_plugins: tuple[str, ...] | None = None  # allow-list of plugin names
    disable_plugins: tuple[str, ...] = ()
    trace_plugins: bool = False
    local: bool = True  # run host detectors (configs, processes)
    client_configs: tuple[Path, ...] = field(default=(), converter=_paths)  # more files to read
    home: Path | None = None  # the home folder whose client configs are read (default: ~)
    ports: PortSpec | None = None  # -p; None: the MCP preset (or its first top_ports)
    top_ports: int | None = None  # --top-ports N: the N likeliest MCP ports
    connect_timeout: float = 1.0  # seconds an L1 TCP connect may take
    retries: int = 1  # extra tries for a port that did not answer (filtered)
    parallelism: int = 1000  # L1 connects in flight at once
    allow_exec: bool = False  # start stdio servers found in configs (sandboxed)
    exec_parallelism: int = 4  # stdio servers running at once (with allow_exec)
    suppress: tuple[Suppression, ...] = ()  # [[suppress]]: accepted findings, with reasons
    headers: tuple[tuple[str, str], ...] = ()  # extra HTTP headers (--header, --bearer)
    credential_hosts: tuple[str, ...] = ()  # hosts the headers may be sent to
    allow_large: bool = False  # allow sweeps over 65,536 addresses
    db: Path | None = field(default=None, converter=attrs.converters.optional(Path))  # history
    store: bool = True  # save each scan in the history (scan --no-store: False)
    ai_model: str | None = None  # an llm model id or alias: also ask it to judge each server
    ai_max_tokens: int = 100_000  # tokens the model may spend in one run, prompts and answers
    ai_rate: float = 1.0  # requests per second to the model
    plugin: Mapping[str, Mapping[str, Any]] = field(factory=dict, converter=_read_only)
    source: str = ""  # the config file read, if any

    def port_spec(self) -> PortSpec:
        """The ports to scan on targets that name none: ``ports``, else the MCP preset."""
        if self.ports is not None:
            return self.ports
        return top_ports(self.top_ports or len(MCP_PORTS))

    def headers_for(self, url: str) -> dict[str, str]:
        """The ``--header``/``--bearer`` headers to send to ``url``.

        Credentials go only to the hosts the user named as targets, never to
        a server found by a sweep or in a config: a token for one server is
        not to be handed to every server on the network.
        """
        host = (urlsplit(url).hostname or "").lower()
        if not self.headers or host not in self.credential_hosts:
            return {}
        return dict(self.headers)

    def plugin_options(self, name: str) -> Mapping[str, Any]:
        """The ``[plugin.NAME]`` table (empty if absent)."""
        return self.plugin.get(name, types.MappingProxyType({}))

    def evolve(self, **changes: Any) -> Settings:
        """A copy with ``changes`` applied."""
        return attrs.evolve(self, **changes)


# -- parsing one source ----------------------------------------------------------------
def _number(key: str, value: Any, where: str, *, positive: bool = True) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{where}: {key} must be a number, not {value!r}") from None
    if positive and number <= 0:
        raise ConfigError(f"{where}: {key} must be greater than 0, not {value!r}")
    return number


def _whole(key: str, value: Any, where: str, *, minimum: int = 1) -> int:
    number = _number(key, value, where, positive=False)
    if number != int(number) or number < minimum:
        raise ConfigError(
            f"{where}: {key} must be a whole number of at least {minimum}, not {value!r}"
        )
    return int(number)


def _model_name(key: str, value: Any, where: str) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text or any(c.isspace() or not c.isprintable() for c in text):
        raise ConfigError(
            f"{where}: {key} must be a model id or alias such as gpt-4o-mini, not {value!r}"
        )
    return text


def _suppressions(value: Any, where: str) -> tuple[Suppression, ...]:
    try:
        return parse_suppressions(value, where)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def _ports(key: str, value: Any, where: str) -> PortSpec:
    try:
        return parse_ports(str(value))
    except ValueError as exc:
        raise ConfigError(f"{where}: {key}: {exc}") from None


def _names(key: str, value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        items = [v.strip() for v in value.split(",")]
    elif isinstance(value, list | tuple):
        items = [str(v).strip() for v in value]
    else:
        raise ConfigError(f"{where}: {key} must be a list of names, not {value!r}")
    return tuple(v for v in items if v)


def _bool(key: str, value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ConfigError(f"{where}: {key} must be true or false, not {value!r}")


def _level_table(key: str, value: Any, where: str, *, integer: bool) -> dict[Level, Any]:
    if isinstance(value, str):  # "L1=400,L3=8" from the environment or a flag
        pairs = [p for p in value.replace(" ", "").split(",") if p]
        value = dict(p.partition("=")[::2] for p in pairs)
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: {key} must be a table like {{L1 = 400}}, not {value!r}")
    table: dict[Level, Any] = {}
    for name, size in value.items():
        try:
            number: float
            if integer:
                level, number = parse_level_size(f"{name}={size}")
            else:
                level, number = Level.parse(str(name)), _number(f"{key}.{name}", size, where)
        except ValueError as exc:
            raise ConfigError(f"{where}: {key}: {exc}") from None
        if level is Level.MONITOR and not integer:
            raise ConfigError(f"{where}: {key}: L5 (monitor) takes no deadline")
        table[level] = number
    return table


_PARSERS: dict[str, Any] = {
    "levels": lambda k, v, w: _level_table(k, v, w, integer=True),
    "deadlines": lambda k, v, w: _level_table(k, v, w, integer=False),
    "rate": _number,
    "host_rate": _number,
    "max_memory_percent": _number,
    "max_rss_mb": _number,
    "max_cpu_percent": _number,
    "breaker_threshold": lambda k, v, w: _whole(k, v, w),
    "breaker_reset": _number,
    "plugins_dir": lambda k, v, w: tuple(
        Path(p) for p in (v.split(os.pathsep) if isinstance(v, str) else v) if str(p)
    ),
    "load_plugins": _names,
    "disable_plugins": _names,
    "trace_plugins": _bool,
    "local": _bool,
    "allow_exec": _bool,
    "exec_parallelism": lambda k, v, w: _whole(k, v, w),
    "suppress": lambda k, v, w: _suppressions(v, w),
    "client_configs": lambda k, v, w: tuple(
        Path(p) for p in (v.split(os.pathsep) if isinstance(v, str) else v) if str(p)
    ),
    "home": lambda k, v, w: Path(str(v)),
    "ports": lambda k, v, w: _ports(k, v, w),
    "top_ports": lambda k, v, w: _whole(k, v, w),
    "connect_timeout": _number,
    "retries": lambda k, v, w: _whole(k, v, w, minimum=0),
    "parallelism": lambda k, v, w: _whole(k, v, w),
    "allow_large": _bool,
    "db": lambda k, v, w: Path(str(v)).expanduser(),
    "store": _bool,
    "ai_model": _model_name,
    "ai_max_tokens": lambda k, v, w: _whole(k, v, w),
    "ai_rate": _number,
}


def parse_mapping(data: Mapping[str, Any], where: str) -> dict[str, Any]:
    """Check and convert one source's keys; unknown keys are a ConfigError."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        norm = key.replace("-", "_")
        if norm == "plugin":
            if not isinstance(value, Mapping) or not all(
                isinstance(v, Mapping) for v in value.values()
            ):
                raise ConfigError(f"{where}: [plugin.NAME] entries must be tables")
            out["plugin"] = {str(k): dict(v) for k, v in value.items()}
            continue
        parser = _PARSERS.get(norm)
        if parser is None:
            known = ", ".join(sorted([*_PARSERS, "plugin"]))
            raise ConfigError(f"{where}: unknown setting {key!r} (known settings: {known})")
        out[norm] = parser(norm, value, where)
    return out


def read_file(path: Path) -> tuple[dict[str, Any], str]:
    """Read settings from a TOML file (a ``pyproject.toml`` uses ``[tool.hawkeye]``)."""
    try:
        text = path.read_bytes().decode("utf-8")
        data = tomllib.loads(text)
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("hawkeye", {})
    return parse_mapping(data, str(path)), str(path)


def find_config_file(cwd: Path) -> Path | None:
    """``hawkeye.toml`` in ``cwd``, else a ``pyproject.toml`` there with ``[tool.hawkeye]``."""
    candidate = cwd / "hawkeye.toml"
    if candidate.is_file():
        return candidate
    pyproject = cwd / "pyproject.toml"
    if pyproject.is_file():
        try:
            data = tomllib.loads(pyproject.read_text("utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            return None  # someone else's broken pyproject is not our config
        if "hawkeye" in data.get("tool", {}):
            return pyproject
    return None


#: Environment variables and the setting each sets.
#: Variables the command line reads itself (click ``envvar``), not settings.
_CLI_ONLY_ENV = frozenset({"HAWKEYE_CONFIG", "HAWKEYE_FAIL_ON"})
_FILE_ONLY = frozenset({"suppress"})  # tables have no sensible environment form
ENV_VARS = {f"HAWKEYE_{key.upper()}": key for key in _PARSERS if key not in _FILE_ONLY}


def read_environ(environ: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
    """Settings from ``HAWKEYE_*`` variables, and warnings for unknown ones."""
    data: dict[str, Any] = {}
    warnings: list[str] = []
    for name, value in environ.items():
        if not name.startswith("HAWKEYE_"):
            continue
        key = ENV_VARS.get(name)
        if key is None:
            if name not in _CLI_ONLY_ENV:
                warnings.append(f"ignoring unknown environment variable {name}")
            continue
        data[key] = value
    return parse_mapping(data, "environment"), warnings


def parse_headers(headers: Iterable[str], bearer: str | None = None) -> tuple[tuple[str, str], ...]:
    """``--header NAME:VALUE`` values and a ``--bearer TOKEN`` as header pairs.

    Raises ValueError naming a malformed one; newlines are refused so no header
    can smuggle another.
    """
    parsed = []
    for header in headers:
        name, sep, value = header.partition(":")
        name = name.strip()
        if (
            not sep
            or not name
            or any(c in name for c in " \t\r\n")
            or any(c in value for c in "\r\n")
        ):
            raise ValueError(f"--header takes NAME:VALUE, not {header!r}")
        parsed.append((name, value.strip()))
    if bearer is not None:
        if not bearer.strip() or any(c in bearer for c in "\r\n "):
            raise ValueError("--bearer takes a token without spaces or newlines")
        parsed.append(("Authorization", f"Bearer {bearer.strip()}"))
    return tuple(parsed)


def load_settings(
    *,
    config_file: Path | None = None,
    cwd: Path | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> tuple[Settings, list[str]]:
    """Build the settings: file, then environment, then ``overrides`` (flags).

    Returns the settings and any warnings. Raises :class:`ConfigError`.
    """
    environ = os.environ if environ is None else environ
    merged: dict[str, Any] = {}
    source = ""
    if config_file is None and environ.get("HAWKEYE_CONFIG"):
        config_file = Path(environ["HAWKEYE_CONFIG"])
    path = config_file or find_config_file(cwd or Path.cwd())
    if path is not None:
        from_file, source = read_file(path)
        _merge(merged, from_file)
    from_env, warnings = read_environ(environ)
    _merge(merged, from_env)
    if overrides:
        _merge(merged, parse_mapping(overrides, "command line"))
    return Settings(source=source, **merged), warnings


def _merge(into: dict[str, Any], new: Mapping[str, Any]) -> None:
    for key, value in new.items():
        if key in ("levels", "deadlines") and key in into:
            into[key] = {**into[key], **value}  # per-level keys merge
        elif key == "plugin" and key in into:
            into[key] = {**into[key], **value}
        else:
            into[key] = value
