"""Stdio command lines from client configs: shells, downloads, unpinned packages, secrets.

A config's command line is read, never run. The rules look through ``env``
prefixes and ``sh -c``/``cmd /c`` wrappers to the command that starts the
server: ``npx``/``bunx``/``pnpm dlx``, ``uvx``/``uv tool run``/``pipx run`` and
``docker``/``podman run``, whose package or image must name an exact version
or digest. Secrets appear only as the redaction markers discovery left.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator, Sequence

from hawkeye_analyse_rules.rules import make_finding
from hawkeye_analyse_rules.text import reveal
from hawkeye_core import Finding, Location, ServerRef, Severity

__all__ = ["MARKER", "command_findings"]

MARKER = re.compile(r"<redacted:[a-z0-9-]+:\d+ chars>")
_SHELLS = frozenset(
    {"sh", "bash", "zsh", "dash", "ksh", "fish", "ash", "cmd", "powershell", "pwsh"}
)
_SH_FLAG = re.compile(r"^-[a-z]*c[a-z]*$")
_PS_FLAGS = frozenset({"-c", "-command", "-encodedcommand", "-enc", "-ec", "-e", "/c"})
_CMD_FLAGS = frozenset({"/c", "/k", "/r"})
_META = re.compile(r"[|;&`$<>()]|&&|\|\|")
# "curl ... | sh" is found a pipeline segment at a time: one regex with ``[^|;&]*``
# between the downloader and the pipe rescans the rest of the segment from every
# downloader word, which is quadratic on "iwr iwr iwr ..." with no pipe.
_DOWNLOADER = re.compile(r"(?i)\b(?:curl|wget|iwr|invoke-webrequest|irm|invoke-restmethod|fetch)\b")
_INTO_SHELL = re.compile(
    r"(?i)\|\s*(?:sudo\s+)?(?:sh|bash|zsh|dash|python3?|node|perl|ruby|iex|invoke-expression)\b"
)
_SEGMENT_END = re.compile(r"[|;&]")
_SHELL_SUBSTITUTION = re.compile(
    r"(?i)(?:sh|bash|zsh)\s+<\(\s*(?:curl|wget)\b|\$\(\s*(?:curl|wget)\b"
    r"|\biex\s*\(\s*(?:new-object\s+net\.webclient|iwr|irm|invoke-webrequest)"
)


def _pipes_download_to_shell(command: str) -> bool:
    """True for ``curl ... | sh``, ``bash <(curl ...)``, ``iex (iwr ...)`` and the like."""
    if _SHELL_SUBSTITUTION.search(command):
        return True
    segment_start = 0
    for end in _SEGMENT_END.finditer(command):
        if (
            end.group() == "|"
            and _INTO_SHELL.match(command, end.start())
            and _DOWNLOADER.search(command, segment_start, end.start())
        ):
            return True
        segment_start = end.end()
    return False


_JS_RUNNERS = frozenset({"npx", "bunx", "pnpx"})
_DLX = frozenset({"pnpm", "yarn", "npm", "bun"})
_CONTAINERS = frozenset({"docker", "podman", "nerdctl"})
_EXACT_VERSION = re.compile(r"^v?\d+(?:\.\d+){1,3}(?:[-+][0-9A-Za-z.-]+)?$")
_DOCKER_VALUE_FLAGS = frozenset(
    {
        "-e",
        "--env",
        "-v",
        "--volume",
        "--name",
        "-p",
        "--publish",
        "--network",
        "--net",
        "--env-file",
        "-w",
        "--workdir",
        "-u",
        "--user",
        "--entrypoint",
        "--mount",
        "--platform",
        "-l",
        "--label",
        "--pid",
        "--cap-add",
        "--cap-drop",
        "-h",
        "--hostname",
        "--add-host",
        "--memory",
        "-m",
        "--cpus",
        "--device",
        "--restart",
        "--log-driver",
        "--ipc",
        "--uts",
        "--security-opt",
        "--tmpfs",
        "--ulimit",
        "--pull",
        "--runtime",
        "--gpus",
        "--shm-size",
    }
)
_NPX_VALUE_FLAGS = frozenset(
    {"-p", "--package", "--registry", "--cache", "--prefix", "-c", "--call"}
)
_UV_VALUE_FLAGS = frozenset(
    {
        "--from",
        "--with",
        "--python",
        "-p",
        "--index",
        "--index-url",
        "--extra-index-url",
        "--spec",
        "--directory",
    }
)


def _base(program: str) -> str:
    name = re.split(r"[\\/]", program)[-1].lower()
    for suffix in (".exe", ".cmd", ".bat", ".ps1"):
        name = name.removesuffix(suffix)
    return name


def _strip_env(argv: Sequence[str]) -> list[str]:
    """``argv`` without a leading ``env [VAR=value ...]``."""
    args = list(argv)
    if args and _base(args[0]) == "env":
        args = args[1:]
        while args and ("=" in args[0] or args[0].startswith("-")):
            args = args[1:]
    return args


def _shell_script(argv: Sequence[str]) -> str | None:
    """The script of a ``sh -c SCRIPT`` style command line, or None."""
    if not argv:
        return None
    shell = _base(argv[0])
    if shell not in _SHELLS:
        return None
    for index, arg in enumerate(argv[1:], start=1):
        low = arg.lower()
        if (
            (shell == "cmd" and low in _CMD_FLAGS)
            or (shell in ("powershell", "pwsh") and low in _PS_FLAGS)
            or (shell not in ("cmd", "powershell", "pwsh") and _SH_FLAG.match(low))
        ):
            return " ".join(argv[index + 1 :])
    return None


def _split(script: str) -> list[str]:
    try:
        return shlex.split(script, posix=True)
    except ValueError:
        return script.split()


def _package_spec(argv: Sequence[str], start: int, value_flags: frozenset[str]) -> str | None:
    """The first non-option argument after ``start``, skipping options that take a value."""
    index = start
    while index < len(argv):
        arg = argv[index]
        if arg in value_flags:
            if arg in ("-p", "--package", "--from", "--spec"):
                return argv[index + 1] if index + 1 < len(argv) else None
            index += 2
            continue
        if arg.startswith("-"):
            if arg.startswith(("--package=", "--from=", "--spec=")):
                return arg.split("=", 1)[1]
            index += 1
            continue
        return arg
    return None


def _js_unpinned(spec: str) -> str | None:
    if spec.startswith((".", "/", "~", "file:", "http:", "https:", "git+")) or re.match(
        r"^[a-z]:\\", spec, re.I
    ):
        return None if not spec.startswith("git+") or "#" in spec else "a git URL without a commit"
    version = (spec[1:] if spec.startswith("@") else spec).partition("@")[2]
    if not version:
        return "no version"
    if not _EXACT_VERSION.match(version):
        return f"version {version!r} is not exact"
    return None


def _py_unpinned(spec: str) -> str | None:
    if spec.startswith((".", "/", "~")):
        return None
    if spec.startswith("git+"):
        return None if "@" in spec.split("://", 1)[-1] else "a git URL without a revision"
    if "==" in spec:
        return None
    if "@" in spec and _EXACT_VERSION.match(spec.rsplit("@", 1)[1]):
        return None
    return "no version"


def _image_unpinned(image: str) -> str | None:
    if "@sha256:" in image:
        return None
    last = image.rsplit("/", 1)[-1]
    if ":" not in last:
        return "no tag or digest"
    if last.rsplit(":", 1)[1] == "latest":
        return "the 'latest' tag"
    return None


def _container_findings(argv: list[str], start: int) -> Iterator[tuple[str, str, str]]:
    """``(rule, detail, evidence)`` for a ``docker run`` command line."""
    index, image = start, None
    risky: list[str] = []
    while index < len(argv):
        arg = argv[index]
        value = argv[index + 1] if index + 1 < len(argv) else ""
        flag, _, inline = arg.partition("=")
        if arg == "--privileged":
            risky.append(arg)
        if flag in ("-v", "--volume", "--mount") or arg.startswith("-v"):
            mount = inline or (value if arg in ("-v", "--volume", "--mount") else arg[2:])
            if "docker.sock" in mount or re.match(r"^(?:source=)?/(?::|,|$)", mount):
                risky.append(f"{flag} {mount}")
        if (
            flag in ("--network", "--net", "--pid", "--ipc", "--uts")
            and (inline or value) == "host"
        ):
            risky.append(f"{flag} host")
        if flag == "--cap-add" and (inline or value).upper() in ("ALL", "SYS_ADMIN"):
            risky.append(f"--cap-add {(inline or value).upper()}")
        if arg in _DOCKER_VALUE_FLAGS:
            index += 2
            continue
        if arg.startswith("-"):
            index += 1
            continue
        image = arg
        break
    if image is not None:
        why = _image_unpinned(image)
        if why:
            yield "HE-CFG-003", why, f"image {image}"
    if risky:
        yield "HE-CFG-007", "", ", ".join(risky)


def _launch_findings(argv: list[str]) -> Iterator[tuple[str, str, str]]:
    """``(rule, detail, evidence)`` for the package runner or container in ``argv``."""
    argv = _strip_env(argv)
    if not argv:
        return
    program = _base(argv[0])
    spec, why = None, None
    if program in _JS_RUNNERS:
        spec = _package_spec(argv, 1, _NPX_VALUE_FLAGS)
        why = _js_unpinned(spec) if spec else None
    elif program in _DLX and len(argv) > 1 and argv[1] in ("dlx", "exec", "x"):
        spec = _package_spec(argv, 2, _NPX_VALUE_FLAGS)
        why = _js_unpinned(spec) if spec else None
    elif program == "uvx" or (program == "uv" and argv[1:3] == ["tool", "run"]):
        spec = _package_spec(argv, 1 if program == "uvx" else 3, _UV_VALUE_FLAGS)
        why = _py_unpinned(spec) if spec else None
    elif program == "pipx" and len(argv) > 1 and argv[1] == "run":
        spec = _package_spec(argv, 2, _UV_VALUE_FLAGS)
        why = _py_unpinned(spec) if spec else None
    elif program in _CONTAINERS and len(argv) > 1 and argv[1] in ("run", "create"):
        yield from _container_findings(argv, 2)
        return
    if spec and why:
        yield "HE-CFG-003", why, f"{program} {spec}"


def command_findings(ref: ServerRef, where: Location) -> Iterator[Finding]:
    """HE-CFG-001, -002, -003, -004 and -007 findings for the command line of ``ref``."""
    argv = list(ref.command or ())
    if not argv:
        return
    shown = reveal(" ".join(argv))[:200]
    inner = argv
    script = _shell_script(_strip_env(argv))
    if script is not None:
        inner = _split(script)
        launcher_only = not _META.search(script)
        yield make_finding(
            "HE-CFG-001",
            evidence=shown,
            location=where,
            confidence=0.95,
            severity=Severity.LOW if launcher_only else None,
        )
    if _pipes_download_to_shell(" ".join(argv)):
        yield make_finding("HE-CFG-002", evidence=shown, location=where, confidence=0.95)
    for rule_id, detail, evidence in _launch_findings(inner):
        text = f"{evidence} ({detail})" if detail else evidence
        yield make_finding(rule_id, evidence=f"{text} in: {shown}", location=where, confidence=0.9)
    secret_args = [i for i, arg in enumerate(argv) if MARKER.search(arg)]
    if secret_args:
        parts = [" ".join(argv[max(0, i - 1) : i + 1]) for i in secret_args[:3]]
        yield make_finding(
            "HE-CFG-004",
            evidence="; ".join(reveal(p)[:120] for p in parts),
            location=where,
            confidence=0.9,
        )
