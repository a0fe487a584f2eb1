"""The docs say what the code does.

``docs/hooks.md`` documents every hook of ``hawkeye_core.hookspecs`` with its
exact signature and the same five parts; every hook docstring has its parts;
the code on ``docs/writing-plugins.md`` runs against the current API.
"""

from __future__ import annotations

import http.server
import inspect
import io
import json
import os
import re
import subprocess
import sys
import textwrap
import threading
import tomllib
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
import pytest

import hawkeye_core
from hawkeye_core import (
    Endpoint,
    Scanner,
    Settings,
    collect_registry,
    hookimpl,
    hookspecs,
)
from hawkeye_core.config import load_settings
from hawkeye_core.kinds import KIND_OF_HOOK
from hawkeye_core.testing import fresh_manager, run_pipeline

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
HOOKS_MD = DOCS / "hooks.md"
WRITING_MD = DOCS / "writing-plugins.md"
CONFIG_MD = DOCS / "configuration.md"

#: The five parts of every hook section, in this order (the signature comes first).
SECTION_LABELS = ("**When**", "**Thread**", "**Parameters**", "**Returns**", "**Example**")
#: The parts of every hook docstring, in this order.
DOCSTRING_PARTS = ("When:", "Thread:", ":returns:", "Example::")


# -- reading the docs -----------------------------------------------------------------
FENCE = re.compile(r"^```(?P<lang>[\w-]*)\n(?P<body>.*?)^```$", re.S | re.M)
HOOK_HEADING = re.compile(r"^## `?(hawkeye_\w+)`?[ \t]*$", re.M)
MARKED_BLOCK = re.compile(
    r"^<!-- (?P<mark>file|excerpt): (?P<name>\S+) -->\n```[\w-]*\n(?P<body>.*?)^```$",
    re.S | re.M,
)


def hook_sections(text: str) -> dict[str, str]:
    """``{hook name: section text}`` for every ``## hawkeye_*`` heading, in page order."""
    heads = list(HOOK_HEADING.finditer(text))
    sections: dict[str, str] = {}
    for i, head in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        following = re.search(r"^## ", text[head.end() : end], re.M)  # a non-hook heading
        stop = head.end() + following.start() if following else end
        assert head.group(1) not in sections, f"hooks.md documents {head.group(1)} twice"
        sections[head.group(1)] = text[head.end() : stop]
    return sections


def marked_blocks(text: str, mark: str) -> list[tuple[str, str]]:
    """``(name, code)`` of each code block preceded by ``<!-- mark: name -->``."""
    return [(m["name"], m["body"]) for m in MARKED_BLOCK.finditer(text) if m["mark"] == mark]


def first_block(text: str) -> re.Match[str] | None:
    return FENCE.search(text)


def example_code(section: str) -> str:
    """The code block that follows the section's Example label."""
    after = section[section.index("**Example**") :]
    block = first_block(after)
    assert block is not None and block["lang"] == "python", "Example has no python code block"
    return block["body"]


# -- reading the hookspecs ------------------------------------------------------------
class _Source(str):
    """An annotation kept as the source text (hookspecs use postponed annotations)."""

    def __repr__(self) -> str:
        return str(self)


def signature_line(fn: Callable[..., Any]) -> str:
    """``name(param: Annotation, ...) -> Return``, with the annotations as written."""

    def source(annotation: Any) -> Any:
        if annotation is inspect.Parameter.empty:
            return annotation
        if isinstance(annotation, str):
            return _Source(annotation)
        return _Source(inspect.formatannotation(annotation))

    sig = inspect.signature(fn)
    sig = sig.replace(
        parameters=[p.replace(annotation=source(p.annotation)) for p in sig.parameters.values()],
        return_annotation=source(sig.return_annotation),
    )
    return f"{fn.__name__}{sig}"


def hookspec(name: str) -> Callable[..., Any]:
    fn: Callable[..., Any] = getattr(hookspecs, name)
    return fn


def docstring_example(doc: str) -> str:
    """The indented block after ``Example::``."""
    lines = doc.split("Example::", 1)[1].splitlines()[1:]
    block = []
    for line in lines:
        if line.strip() and not line[:1].isspace():  # back at the docstring's margin
            break
        block.append(line)
    return textwrap.dedent("\n".join(block)).strip()


def rst_to_md(text: str) -> str:
    return text.replace("``", "`")


@pytest.fixture(scope="module")
def hooks_md() -> str:
    return HOOKS_MD.read_text("utf-8")


@pytest.fixture(scope="module")
def sections(hooks_md: str) -> dict[str, str]:
    return hook_sections(hooks_md)


HOOKS = hookspecs.hook_names()


# -- hookspecs and hooks.md in step ---------------------------------------------------
def test_hook_names_are_the_hookspec_functions() -> None:
    marked = [
        name for name, fn in vars(hookspecs).items() if callable(fn) and hasattr(fn, "hawkeye_spec")
    ]
    assert marked == HOOKS
    assert len(HOOKS) >= 10


def test_every_hook_has_a_section_in_hookspec_order(sections: dict[str, str]) -> None:
    missing = [name for name in HOOKS if name not in sections]
    assert not missing, f"docs/hooks.md has no section for {missing}"
    assert list(sections) == HOOKS, "docs/hooks.md sections are not in hookspecs.py order"


def test_no_section_documents_a_hook_that_does_not_exist(sections: dict[str, str]) -> None:
    unknown = sorted(set(sections) - set(HOOKS))
    assert not unknown, f"docs/hooks.md documents hooks that do not exist: {unknown}"


def docstring_problems(fn: Callable[..., Any]) -> list[str]:
    """What a hook docstring lacks: its parts in order, a ``:param:`` per parameter."""
    doc = inspect.getdoc(fn)
    if not doc:
        return ["no docstring"]
    problems = [f"lacks {part!r}" for part in DOCSTRING_PARTS if part not in doc]
    params = list(inspect.signature(fn).parameters)
    problems += [f"lacks ':param {p}:'" for p in params if f":param {p}:" not in doc]
    unknown = sorted(set(re.findall(r":param (\w+):", doc)) - set(params))
    problems += [f"documents a parameter it does not have: {p}" for p in unknown]
    if not problems:
        at = [doc.index(part) for part in DOCSTRING_PARTS]
        if at != sorted(at):
            problems.append(f"parts out of order; expected {DOCSTRING_PARTS}")
        elif not docstring_example(doc):
            problems.append("the Example is empty")
    return problems


def section_problems(fn: Callable[..., Any], section: str) -> list[str]:
    """How a hooks.md section disagrees with its hookspec, or lacks one of its five parts."""
    problems = []
    block = first_block(section)
    if block is None or section[: block.start()].strip():
        problems.append("the section does not start with the signature in a code block")
    elif block["body"].strip() != signature_line(fn):
        problems.append(f"signature {block['body'].strip()!r} is not {signature_line(fn)!r}")
    at = [section.find(label) for label in SECTION_LABELS]
    missing = [label for label, pos in zip(SECTION_LABELS, at, strict=True) if pos < 0]
    if missing:
        return [*problems, f"lacks {missing}"]
    if at != sorted(at):
        problems.append(f"parts out of order; expected {SECTION_LABELS}")
        return problems
    params = section[at[2] : at[3]]
    names = list(inspect.signature(fn).parameters)
    if not names and "none" not in params.lower():
        problems.append("Parameters should say none")
    problems += [f"Parameters does not describe `{p}`" for p in names if f"`{p}`" not in params]
    doc = inspect.getdoc(fn) or ""
    summary = rst_to_md(doc.splitlines()[0]) if doc else ""
    if summary not in section:
        problems.append(f"lacks the docstring summary {summary!r}")
    try:
        code = example_code(section)
    except AssertionError as exc:
        return [*problems, str(exc)]
    try:
        compile(code, f"hooks.md:{fn.__name__}", "exec")
    except SyntaxError as exc:
        problems.append(f"the Example does not compile: {exc}")
    if docstring_example(doc) not in code:
        problems.append("the Example does not contain the docstring's example")
    return problems


@pytest.mark.parametrize("name", HOOKS)
def test_hook_docstring_has_every_part(name: str) -> None:
    assert docstring_problems(hookspec(name)) == []


@pytest.mark.parametrize("name", HOOKS)
def test_section_agrees_with_the_hookspec(name: str, sections: dict[str, str]) -> None:
    assert section_problems(hookspec(name), sections[name]) == []


def test_signature_line_keeps_annotations_as_written() -> None:
    assert (
        signature_line(hookspecs.hawkeye_commands) == "hawkeye_commands(cli: click.Group) -> None"
    )
    assert signature_line(hookspecs.hawkeye_scanners) == "hawkeye_scanners() -> Iterable[Scanner]"

    def sample(a: int, /, b: list[str] | None = None, *, c: Settings) -> dict[str, int]: ...

    assert signature_line(sample) == (
        "sample(a: int, /, b: list[str] | None = None, *, c: Settings) -> dict[str, int]"
    )


def _broken_hook(cli: click.Group, extra: int) -> None:
    """Do something.

    When: sometimes.

    :param cli: a group.
    :param other: not a parameter.
    :returns: nothing.
    """


def test_docstring_check_catches_missing_parts() -> None:
    assert docstring_problems(_broken_hook) == [
        "lacks 'Thread:'",
        "lacks 'Example::'",
        "lacks ':param extra:'",
        "documents a parameter it does not have: other",
    ]


def test_section_check_catches_a_wrong_signature_and_missing_parts(
    sections: dict[str, str],
) -> None:
    good = sections["hawkeye_commands"]
    fn = hookspecs.hawkeye_commands
    assert section_problems(fn, good) == []

    renamed = good.replace("hawkeye_commands(cli: click.Group)", "hawkeye_commands(group: Any)")
    assert section_problems(fn, renamed)[0].startswith("signature 'hawkeye_commands(group: Any)")
    assert section_problems(fn, good.replace("**Thread**", "Thread")) == ["lacks ['**Thread**']"]
    undescribed = good.replace("- `cli`:", "- cli:")
    assert section_problems(fn, undescribed) == ["Parameters does not describe `cli`"]
    example = "    cli.add_command(my_command)"
    assert section_problems(fn, good.replace(example, "    pass")) == [
        "the Example does not contain the docstring's example"
    ]


def test_section_reader_sees_unknown_and_duplicate_hooks() -> None:
    text = "# Hooks\n\n## hawkeye_scanners\n\nx\n\n## hawkeye_bogus\n\ny\n\n## Other\n\nz\n"
    assert hook_sections(text) == {"hawkeye_scanners": "\n\nx\n\n", "hawkeye_bogus": "\n\ny\n\n"}
    with pytest.raises(AssertionError, match="twice"):
        hook_sections("## hawkeye_scanners\n\n## hawkeye_scanners\n")


@pytest.mark.parametrize("hook", sorted(KIND_OF_HOOK))
def test_registration_sections_name_their_record(hook: str, sections: dict[str, str]) -> None:
    kind = KIND_OF_HOOK[hook].__name__
    assert f"`hawkeye_core.{kind}`" in sections[hook]


def test_docs_mention_every_public_record_kind(hooks_md: str) -> None:
    kinds = {cls.__name__ for cls in KIND_OF_HOOK.values()}
    assert kinds == {"Scanner", "Detector", "Introspector", "Analyser", "Reporter"}
    writing = WRITING_MD.read_text("utf-8")
    for kind in sorted(kinds):
        assert kind in hawkeye_core.__all__, f"{kind} is not public"
        assert f"`{kind}`" in hooks_md, f"docs/hooks.md does not mention `{kind}`"
        assert kind in writing, f"docs/writing-plugins.md does not mention {kind}"


def test_hooks_md_examples_load_register_and_run_together(sections: dict[str, str]) -> None:
    modules = {}
    for name in HOOKS:
        module = types.ModuleType(f"hooks_md_{name}")
        exec(compile(example_code(sections[name]), f"hooks.md:{name}", "exec"), vars(module))
        modules[name] = module
    pm = fresh_manager(*modules.values(), settings=Settings(local=False))
    assert not pm.failures, [f"{i.name}: {i.error}" for i in pm.failures]
    assert len(pm.get_plugins()) == len(HOOKS)

    registry = collect_registry(pm)
    assert not registry.problems
    for hook, kind in KIND_OF_HOOK.items():
        records = [e for e in registry.entries if e.plugin.name == f"hooks_md_{hook}"]
        assert [type(e.record) for e in records] == [kind], f"{hook} example registers {records}"

    group = click.Group()
    pm.hook.hawkeye_commands(cli=group)
    assert list(group.commands) == ["rules"]

    result = run_pipeline(pm=pm, settings=Settings(local=False))
    assert not result.errors, result.errors
    out = io.StringIO()
    registry.reporter_for("csv").record.write(result, out)
    assert out.getvalue().startswith("severity,rule,title")


# -- writing-plugins.md: the code runs ------------------------------------------------
@pytest.fixture(scope="module")
def writing_md() -> str:
    return WRITING_MD.read_text("utf-8")


@pytest.fixture(scope="module")
def files(writing_md: str) -> dict[str, str]:
    found = dict(marked_blocks(writing_md, "file"))
    expected = {"acme_inventory.py", "hawkeye.toml", "test_acme_inventory.py", "mcp_probe.py"}
    assert expected <= set(found), f"writing-plugins.md lacks {expected - set(found)}"
    return found


@pytest.fixture
def site_plugins(tmp_path: Path, files: dict[str, str]) -> Path:
    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "acme_inventory.py").write_text(files["acme_inventory.py"], "utf-8")
    return folder


def clean_env() -> dict[str, str]:
    """The environment without HawkEye settings, so the tests see only their own."""
    return {k: v for k, v in os.environ.items() if not k.startswith("HAWKEYE_")}


def hawkeye_command() -> list[str]:
    """Run the installed ``hawkeye`` of this interpreter."""
    if (Path(hawkeye_core.__file__).parent / "__main__.py").is_file():
        return [sys.executable, "-m", "hawkeye_core"]
    return [str(Path(sys.executable).parent / "hawkeye")]


def test_site_detector_is_listed_on_l2_by_the_cli(site_plugins: Path, tmp_path: Path) -> None:
    proc = subprocess.run(
        [*hawkeye_command(), "--plugins-dir", str(site_plugins), "plugins", "--json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=clean_env(),
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    plugins = {p["name"]: p for p in json.loads(proc.stdout)["plugins"]}
    plugin = plugins["acme_inventory"]
    assert plugin["status"] == "loaded"
    assert plugin["source"] == "plugins-dir"
    assert plugin["problems"] == []
    assert plugin["registers"] == [{"kind": "detector", "name": "acme-inventory", "level": "L2"}]


def test_site_detector_finds_servers_in_a_pipeline_run(site_plugins: Path, tmp_path: Path) -> None:
    inventory = tmp_path / "servers.toml"
    inventory.write_text('[[server]]\nname = "build-bot"\nurl = "https://build.acme/mcp"\n')
    settings = Settings(
        plugins_dir=[site_plugins], plugin={"acme_inventory": {"path": str(inventory)}}
    )
    result = run_pipeline([], settings=settings)

    assert not result.errors
    [server] = result.servers
    assert (server.transport, server.url, server.name) == (
        "streamable-http",
        "https://build.acme/mcp",
        "build-bot",
    )
    assert server.found_in == str(inventory)


def test_documented_plugin_tests_pass(site_plugins: Path, files: dict[str, str]) -> None:
    folder = site_plugins.parent
    (folder / "test_acme_inventory.py").write_text(files["test_acme_inventory.py"], "utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(folder)],
        capture_output=True,
        text=True,
        cwd=folder,
        env=clean_env(),
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "4 passed" in proc.stdout


def test_documented_settings_file_is_valid(tmp_path: Path, files: dict[str, str]) -> None:
    path = tmp_path / "hawkeye.toml"
    path.write_text(files["hawkeye.toml"], "utf-8")
    settings, warnings = load_settings(config_file=path, environ={})
    assert not warnings
    assert settings.plugins_dir == (Path("/etc/hawkeye/plugins"),)
    assert settings.plugin_options("acme_inventory") == {"path": "/etc/acme/mcp-servers.toml"}


def test_excerpts_are_copied_from_the_example_plugin(writing_md: str) -> None:
    excerpts = marked_blocks(writing_md, "excerpt")
    assert len(excerpts) >= 4
    for name, code in excerpts:
        source = (DOCS / name).read_text("utf-8")
        assert code.strip() in source, f"writing-plugins.md excerpt is not in docs/{name}"


class _MCPHandler(http.server.BaseHTTPRequestHandler):
    """Answers an MCP initialize on /mcp with JSON, and 404 elsewhere."""

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        request = json.loads(self.rfile.read(length))
        if self.path != "/mcp" or request.get("method") != "initialize":
            self.send_error(404)
            return
        body = json.dumps(
            {
                "jsonrpc": "2.0",
                "id": request["id"],
                "result": {
                    "protocolVersion": "2025-06-18",
                    "capabilities": {"tools": {}},
                    "serverInfo": {"name": "loopback-test", "version": "1.0"},
                },
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def mcp_server() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _MCPHandler)
    thread = threading.Thread(target=server.serve_forever, name="test-mcp-server", daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


class GivenPort:
    """Test-only scanner: the target's own port is open."""

    @staticmethod
    @hookimpl
    def hawkeye_scanners() -> Iterator[Scanner]:
        yield Scanner(name="given-port", run=lambda t, ctx: Endpoint(host=t.host, port=t.port))


def test_rules_example_detects_a_real_server_on_loopback(
    tmp_path: Path, files: dict[str, str], mcp_server: int
) -> None:
    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "mcp_probe.py").write_text(files["mcp_probe.py"], "utf-8")
    settings = Settings(plugins_dir=[folder], local=False, rate=50.0, host_rate=20.0)
    result = run_pipeline([f"127.0.0.1:{mcp_server}"], GivenPort, settings=settings)

    assert not result.errors, result.errors
    [server] = result.servers
    assert server.url == f"http://127.0.0.1:{mcp_server}/mcp"
    assert server.server_info.name == "loopback-test"
    assert server.found_in == f"127.0.0.1:{mcp_server}"


def test_rules_example_finds_nothing_on_a_closed_port(
    tmp_path: Path, files: dict[str, str], mcp_server: int
) -> None:
    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "mcp_probe.py").write_text(files["mcp_probe.py"], "utf-8")
    settings = Settings(plugins_dir=[folder], local=False)
    # A port nothing listens on: the probe's connection is refused on both paths.
    result = run_pipeline(["127.0.0.1:1"], GivenPort, settings=settings)

    assert result.servers == ()
    assert not result.errors, result.errors


# -- configuration.md -------------------------------------------------------------------
def test_configuration_documents_every_setting_and_env_var() -> None:
    from hawkeye_core.config import ENV_VARS

    text = CONFIG_MD.read_text("utf-8")
    for env, key in ENV_VARS.items():
        assert f"`{key}`" in text, f"configuration.md does not document the setting {key}"
        assert f"`{env}`" in text, f"configuration.md does not document {env}"
    assert "`HAWKEYE_CONFIG`" in text
    assert "[plugin.NAME]" in text
    for field in Settings.__attrs_attrs__:
        if field.name != "source":
            assert f"`{field.name}`" in text, f"configuration.md lacks `{field.name}`"


def test_configuration_documents_every_exit_code() -> None:
    from hawkeye_core import cli_state as cli

    text = CONFIG_MD.read_text("utf-8")
    codes = [
        cli.EXIT_OK,
        cli.EXIT_FINDINGS,
        cli.EXIT_USAGE,
        cli.EXIT_OUTPUT,
        cli.EXIT_INTERNAL,
        cli.EXIT_INTERRUPTED,
    ]
    for code in codes:
        assert re.search(rf"^\| `{code}` \|", text, re.M), f"exit code {code} is not in the table"


def test_configuration_examples_are_valid_settings(tmp_path: Path) -> None:
    text = CONFIG_MD.read_text("utf-8")
    blocks = marked_blocks(text, "file")
    assert blocks, "configuration.md has no example settings file"
    for name, body in blocks:
        path = tmp_path / name
        path.write_text(body, "utf-8")
        settings, warnings = load_settings(config_file=path, environ={})
        assert not warnings
        if name == "pyproject.toml":
            assert tomllib.loads(body)["tool"]["hawkeye"]
        assert settings.source == str(path)
