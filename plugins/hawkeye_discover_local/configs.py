"""The ``client-configs`` detector: MCP servers configured in AI clients' files.

Reads every known client location under the audited home (all three OS
layouts), the project folders those clients know about (Claude Code's
``projects``, Codex's trusted projects, Gemini CLI's trusted folders, VS Code's
recent workspaces), the machine's managed settings when the home is this
machine's own, and the files of ``--client-config``. Nothing is executed: a
stdio server is reported as the (redacted) command line it is.

A file that cannot be read or parsed is one warning on the ``hawkeye.discover``
logger naming it; the other files still count.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from itertools import islice
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from attrs import frozen

from hawkeye_core import CallContext, ServerRef, Settings
from hawkeye_discover_local.clients import (
    Location,
    editor_user_dirs,
    project_locations,
    system_locations,
    user_locations,
)
from hawkeye_discover_local.formats import (
    MAX_FILE_BYTES,
    ConfigReadError,
    format_of,
    load_document,
    parse_document,
    read_text,
)
from hawkeye_discover_local.parse import ConfigEntry, entry_to_ref, server_entries

__all__ = ["Problem", "Scope", "discover_configs", "iter_config_items", "scope_from_settings"]

log = logging.getLogger("hawkeye.discover")

MAX_PROJECTS = 1000  # project folders read per run
MAX_GLOB = 200  # files read from one folder location
MAX_WORKSPACES = 2000  # VS Code workspace records looked at per editor

_CONFIG_SUFFIXES = frozenset({".json", ".jsonc", ".yaml", ".yml", ".toml"})
# The home folder at the start of a path written on another machine.
_HOME_PREFIX = re.compile(
    r"^(?:/home/[^/]+|/Users/[^/]+|/root|/var/root|(?i:[a-z]:[\\/]+users[\\/]+)[^\\/]+)(?=$|[\\/])"
)


@frozen(kw_only=True)
class Problem:
    """A config file that could not be used; ``message`` names it."""

    path: Path
    message: str


@frozen(kw_only=True)
class Scope:
    """What one discovery reads: a home, extra files, and the limits."""

    home: Path
    real_home: bool = False  # the home is this machine's own: read managed settings too
    extra_files: tuple[Path, ...] = ()
    config_dirs: tuple[Path, ...] = ()  # $XDG_CONFIG_HOME and the like
    app_dirs: tuple[Path, ...] = ()  # %APPDATA% redirected out of the home
    extra_locations: tuple[Location, ...] = ()  # $CLAUDE_CONFIG_DIR, $CODEX_HOME
    system: tuple[Location, ...] = ()
    max_bytes: int = MAX_FILE_BYTES
    max_projects: int = MAX_PROJECTS


def _is_real_home(home: Path) -> bool:
    try:
        return home.expanduser().resolve() == Path.home().resolve()
    except (OSError, RuntimeError):
        return False


def scope_from_settings(
    settings: Settings,
    options: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Scope:
    """The scope of a run: ``settings.home`` (default: the real home) and ``client_configs``.

    Environment overrides (``$XDG_CONFIG_HOME``, ``$CLAUDE_CONFIG_DIR``,
    ``$CODEX_HOME``, ``%APPDATA%``) and managed settings apply only to the real home.
    """
    options = options or {}
    environ = os.environ if environ is None else environ
    home = (settings.home or Path.home()).expanduser()
    real = settings.home is None or _is_real_home(home)
    config_dirs: tuple[Path, ...] = ()
    app_dirs: tuple[Path, ...] = ()
    extra: list[Location] = []
    if real:
        if environ.get("XDG_CONFIG_HOME"):
            config_dirs = (Path(environ["XDG_CONFIG_HOME"]),)
        app_dirs = tuple(Path(environ[k]) for k in ("APPDATA",) if environ.get(k))
        if environ.get("CLAUDE_CONFIG_DIR"):
            path = Path(environ["CLAUDE_CONFIG_DIR"]) / ".claude.json"
            extra.append(Location(client="Claude Code", path=path, shape="claude-code"))
        if environ.get("CODEX_HOME"):
            path = Path(environ["CODEX_HOME"]) / "config.toml"
            extra.append(Location(client="Codex", path=path, shape="codex"))
    return Scope(
        home=home,
        real_home=real,
        extra_files=tuple(settings.client_configs),
        config_dirs=config_dirs,
        app_dirs=app_dirs,
        extra_locations=tuple(extra),
        system=tuple(system_locations()) if real else (),
        max_bytes=int(options.get("max_file_bytes", MAX_FILE_BYTES)),
        max_projects=int(options.get("max_projects", MAX_PROJECTS)),
    )


def project_dir(raw: str, home: Path, real_home: bool) -> Path | None:
    """The folder a client's project path names, as seen from the audited home.

    Auditing this machine's own home, a path is used as written. Auditing a copied
    home, a path inside the original user's home (``/home/alice/src/app``,
    ``/Users/alice/...``, ``C:\\Users\\alice\\...``) is moved under the copy, and
    any other path is skipped: it names a folder of the original machine.
    """
    raw = raw.strip()
    if raw.startswith("file://"):
        parts = urlsplit(raw)
        if parts.netloc not in ("", "localhost"):
            return None
        raw = unquote(parts.path)
        if re.match(r"^/[A-Za-z]:", raw):  # file:///c:/Users/...
            raw = raw[1:]
    if not raw or "\x00" in raw:
        return None
    if real_home:
        try:
            path = Path(raw).expanduser()
        except RuntimeError:  # ~user of an unknown user
            return None
        return path if path.is_absolute() else None
    match = _HOME_PREFIX.match(raw)
    if match is None:
        return None
    rest = [part for part in re.split(r"[\\/]+", raw[match.end() :]) if part]
    if any(part in (".", "..") for part in rest):
        return None
    return home.joinpath(*rest)


class _Walk:
    """One discovery: reads each file once and remembers the projects it learns of."""

    def __init__(self, scope: Scope, stopped: Callable[[], bool]) -> None:
        self.scope = scope
        self.stopped = stopped
        self.seen: set[str] = set()
        self.projects: dict[Path, None] = {}  # insertion-ordered set
        self.disabled_in_project: dict[Path, frozenset[str]] = {}

    def add_project(self, raw: str, disabled: Iterable[Any] = ()) -> None:
        path = project_dir(raw, self.scope.home, self.scope.real_home)
        if path is None or len(self.projects) >= self.scope.max_projects:
            return
        self.projects.setdefault(path, None)
        names = frozenset(str(n) for n in disabled if isinstance(n, str))
        if names:
            self.disabled_in_project[path] = names

    def location(self, location: Location) -> Iterator[ConfigEntry | Problem]:
        if location.pattern is None:
            yield from self.file(location, location.path)
            return
        try:
            matches = sorted(islice(location.path.glob(location.pattern), MAX_GLOB))
        except (OSError, ValueError):
            return
        for path in matches:
            if path.suffix.lower() in _CONFIG_SUFFIXES and path.is_file():
                yield from self.file(location, path)

    def file(
        self, location: Location, path: Path, *, required: bool = False
    ) -> Iterator[ConfigEntry | Problem]:
        try:
            key = str(path.resolve())
        except (OSError, RuntimeError):
            key = str(path)
        if key in self.seen or self.stopped():
            return
        self.seen.add(key)
        try:
            text = read_text(path, self.scope.max_bytes)
            if text is None:
                if required:
                    yield Problem(path=path, message=f"{path}: not found")
                return
            if not text.strip():
                return  # an empty file configures nothing
            doc = parse_document(text, format_of(path), path)
        except ConfigReadError as exc:
            yield Problem(path=path, message=str(exc))
            return
        if not isinstance(doc, Mapping):
            yield Problem(path=path, message=f"{path}: not a config object; not read")
            return
        log.debug("reading %s (%s)", path, location.client)
        self.learn_projects(location, doc)
        disabled = self.disabled_in_project.get(path.parent, frozenset())
        count = 0
        for raw in server_entries(doc, location.shape):
            notes = (
                ("disabled for this project in Claude Code (disabledMcpjsonServers)",)
                if location.path.name == ".mcp.json" and raw.name in disabled
                else ()
            )
            ref = entry_to_ref(
                raw,
                client=location.client,
                path=path,
                url_default=location.url_default,
                notes=notes,
            )
            if ref is not None:
                count += 1
                yield ConfigEntry(
                    client=location.client, path=path, name=raw.name, ref=ref, project=raw.project
                )
        if required and count == 0:
            yield Problem(
                path=path,
                message=f"{path}: no MCP servers found (looked for mcpServers, servers, "
                "mcp.servers, context_servers, mcp_servers, extensions, mcp)",
            )

    def learn_projects(self, location: Location, doc: Mapping[str, Any]) -> None:
        projects = doc.get("projects")
        if not isinstance(projects, Mapping):
            return
        if location.shape == "claude-code":
            for raw, settings in projects.items():
                settings = settings if isinstance(settings, Mapping) else {}
                disabled = settings.get("disabledMcpjsonServers")
                self.add_project(str(raw), disabled if isinstance(disabled, list) else ())
        elif location.shape == "codex":  # [projects."/path"] trust_level = "trusted"
            for raw in projects:
                self.add_project(str(raw))

    def side_sources(self) -> None:
        """Projects named by files that hold no servers: trusted folders, recent workspaces."""
        home = self.scope.home
        trusted = self.quiet_load(home / ".gemini" / "trustedFolders.json")
        if isinstance(trusted, Mapping):
            for raw, level in trusted.items():
                if level != "DO_NOT_TRUST":
                    self.add_project(str(raw))
        for _folder, _label, user in editor_user_dirs(home, self.scope.app_dirs):
            storage = user / "workspaceStorage"
            if not storage.is_dir():
                continue
            try:
                records = sorted(islice(storage.glob("*/workspace.json"), MAX_WORKSPACES))
            except OSError:
                continue
            for record in records:
                doc = self.quiet_load(record)
                if isinstance(doc, Mapping) and isinstance(doc.get("folder"), str):
                    self.add_project(doc["folder"])

    def quiet_load(self, path: Path) -> Any:
        """A file that only names projects: a problem with it is not worth a warning."""
        try:
            return load_document(path, "json", self.scope.max_bytes)
        except ConfigReadError as exc:
            log.debug("%s", exc)
            return None


def iter_config_items(
    scope: Scope, stopped: Callable[[], bool] = lambda: False
) -> Iterator[ConfigEntry | Problem]:
    """Every configured server in ``scope``, and every problem, as they are found.

    Shared by both detectors: the process detector ties running processes to the
    entries this yields.
    """
    walk = _Walk(scope, stopped)
    user = user_locations(scope.home, scope.config_dirs, scope.app_dirs)
    for location in [*user, *scope.extra_locations]:
        yield from walk.location(location)
    walk.side_sources()
    for project in list(walk.projects):
        if stopped():
            return
        for location in project_locations(project):
            yield from walk.location(location)
    for location in scope.system:
        yield from walk.location(location)
    for extra in scope.extra_files:
        path = extra.expanduser()
        location = Location(client="client config", path=path, shape="auto")
        if path.is_dir():
            yield Problem(path=path, message=f"{path}: a folder, not a config file")
            continue
        yield from walk.file(location, path, required=True)


def discover_configs(ctx: CallContext) -> Iterator[ServerRef]:
    """Detector ``client-configs``: one ServerRef per configured server (``on="host"``)."""
    scope = scope_from_settings(ctx.settings, ctx.options)
    for item in iter_config_items(scope, stopped=lambda: ctx.stopped):
        if isinstance(item, Problem):
            log.warning("%s", item.message)
            ctx.count("config_files_unreadable")
            continue
        ctx.count("config_servers")
        yield item.ref
