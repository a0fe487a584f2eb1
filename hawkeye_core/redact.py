"""Mask secrets in text, command lines and environments before they reach any output.

HawkEye reads AI-client configs and process command lines, and those hold API
keys, tokens and passwords. Whatever discovery keeps goes through this module
first, so no report, log line or stored scan repeats a secret.

A masked value becomes a marker that keeps what an analyser needs and nothing
more: the kind of secret and its length, never any of its characters::

    >>> redact("curl -H 'Authorization: Bearer 0123456789abcdefXYZ'")
    "curl -H 'Authorization: Bearer <redacted:bearer-token:19 chars>'"
    >>> redact_env({"GITHUB_TOKEN": "hunter2", "LOG_LEVEL": "debug"})
    {'GITHUB_TOKEN': '<redacted:secret:7 chars>', 'LOG_LEVEL': 'debug'}

A reference to a secret kept elsewhere (``${GITHUB_TOKEN}``, ``${input:token}``,
``$TOKEN``, ``%TOKEN%``) is not a secret and is kept as written, so an analyser
can tell a hard-coded key from a referenced one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

__all__ = [
    "is_marker",
    "is_secret_name",
    "marker",
    "redact",
    "redact_command",
    "redact_env",
]

_MARKER = re.compile(r"<redacted:[a-z0-9-]+:\d+ chars>")

# Start and end of a token: not in the middle of a longer word.
_B = r"(?<![A-Za-z0-9_-])"
_E = r"(?![A-Za-z0-9_-])"

#: Secrets recognisable by their shape alone, most specific first.
_SHAPES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        (
            "private-key",
            r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?"
            r"(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|\Z)",
        ),
        ("jwt", _B + r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}" + _E),
        ("anthropic-key", _B + r"sk-ant-[A-Za-z0-9_-]{20,}" + _E),
        (
            "openai-key",
            _B + r"sk-(?:proj-|svcacct-|admin-)?(?=[A-Za-z_-]*\d)[A-Za-z0-9_-]{20,}" + _E,
        ),
        ("stripe-key", _B + r"(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}" + _E),
        ("github-token", _B + r"(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})" + _E),
        ("gitlab-token", _B + r"glpat-[A-Za-z0-9_-]{20,}" + _E),
        ("slack-token", _B + r"(?:xox[abposre]|xapp)-[A-Za-z0-9-]{10,}" + _E),
        ("aws-access-key", r"(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Za-z0-9])"),
        ("google-api-key", _B + r"AIza[0-9A-Za-z_-]{35}" + _E),
        ("huggingface-token", _B + r"hf_[A-Za-z0-9]{30,}" + _E),
        ("npm-token", _B + r"npm_[A-Za-z0-9]{36}" + _E),
    )
)

# A value that ends at whitespace, or a quoted one.
_VALUE = r"(\"[^\"]*\"|'[^']*'|[^\s\"']+)"

# A scheme is short (RFC 3986 gives no limit; real ones are under 32 characters): bounding
# it keeps the search linear on hostile text such as "a-a-a-..." with no "://" in it.
_URL_PASSWORD = re.compile(r"(?i)\b([a-z][a-z0-9+.-]{0,31}://[^\s/:@<>]*):([^\s/@<>]+)@")
_BEARER = re.compile(r"(?i)\b(bearer\s+)([A-Za-z0-9._~+/=-]{8,})")
_BASIC = re.compile(r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?basic\s+)([A-Za-z0-9+/=]{6,})")
_SECRET_FLAG_WORD = (
    r"(?:api[-_]?key|apikey|token|secret|password|passwd|pwd|passphrase|"
    r"access[-_]?key|secret[-_]?key|private[-_]?key|credentials?|auth)"
)
_FLAG = re.compile(
    r"(?i)(?<![A-Za-z0-9_-])(--?(?:[a-z0-9]+[-_])*" + _SECRET_FLAG_WORD + r")(=|[ \t]+)" + _VALUE
)
_QUERY = re.compile(
    r"(?i)([?&;](?:[a-z0-9_.-]*?(?:key|token|secret|password|passwd|pwd|sig|signature|auth|"
    r"session|credential))=)([^&#\s\"'<>]+)"
)
_ASSIGNMENT = re.compile(r"(?<![A-Za-z0-9_$.-])([A-Za-z_][A-Za-z0-9_]*)=" + _VALUE)

# A whole-flag argument: ``--token`` (value in the next argument) or ``--token=VALUE``.
_FLAG_ARG = re.compile(r"(?i)^(--?(?:[a-z0-9]+[-_])*" + _SECRET_FLAG_WORD + r")(?:=(.*))?$", re.S)

_REFERENCE = re.compile(
    r"^(?:\$\{[^{}]+\}|\$[A-Za-z_][A-Za-z0-9_]*|%[A-Za-z_][A-Za-z0-9_]*%|"
    r"\$\{\{[^{}]*\}\}|\{\{[^{}]*\}\}|<[A-Za-z0-9 _-]{1,40}>)$"
)
_HARMLESS = frozenset(
    {"", "true", "false", "yes", "no", "on", "off", "none", "null", "nil", "0", "1"}
)

_NAME_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
_SECRET_WORDS = frozenset(
    {
        "KEY",
        "APIKEY",
        "TOKEN",
        "SECRET",
        "SECRETS",
        "PASSWORD",
        "PASSWD",
        "PWD",
        "PASS",
        "PASSPHRASE",
        "CREDENTIAL",
        "CREDENTIALS",
        "CREDS",
        "AUTH",
        "AUTHORIZATION",
        "PRIVATE",
        "COOKIE",
        "COOKIES",
        "SESSION",
        "PAT",
        "BEARER",
        "SIGNATURE",
        "SALT",
        "DSN",
        "JWT",
    }
)
_SECRET_SUFFIXES = ("TOKEN", "SECRET", "APIKEY", "ACCESSKEY", "SECRETKEY", "PASSWORD")
# A name ending in one of these describes a secret without being one (TOKEN_URL, AUTH_MODE).
_QUALIFIERS = frozenset(
    {
        "FILE",
        "PATH",
        "DIR",
        "DIRECTORY",
        "URL",
        "URI",
        "ENDPOINT",
        "HOST",
        "PORT",
        "ID",
        "NAME",
        "USER",
        "USERNAME",
        "TYPE",
        "MODE",
        "METHOD",
        "PROVIDER",
        "SCOPE",
        "SCOPES",
        "HEADER",
        "TIMEOUT",
        "TTL",
        "EXPIRY",
        "EXPIRES",
        "LIFETIME",
        "LENGTH",
        "SIZE",
        "LIMIT",
        "COUNT",
        "ENABLED",
        "DISABLED",
        "REQUIRED",
        "LEVEL",
        "VERSION",
        "REGION",
    }
)


def marker(kind: str, value: str) -> str:
    """The marker that stands for ``value``: its kind and length, none of its characters."""
    return f"<redacted:{kind}:{len(value)} chars>"


def is_marker(text: str) -> bool:
    """True if ``text`` is exactly one redaction marker."""
    return _MARKER.fullmatch(text) is not None


def is_secret_name(name: str) -> bool:
    """True if an environment variable, flag or key called ``name`` holds a secret.

    ``GITHUB_TOKEN``, ``apiKey`` and ``DB_PASSWORD`` do; ``TOKENIZERS_PARALLELISM``,
    ``TOKEN_URL`` and ``AUTH_MODE`` do not.
    """
    words = [
        w.upper() for part in re.split(r"[^A-Za-z0-9]+", name) for w in _NAME_WORDS.findall(part)
    ]
    if not words or words[-1] in _QUALIFIERS:
        return False
    return any(w in _SECRET_WORDS or w.endswith(_SECRET_SUFFIXES) for w in words)


def _is_reference(value: str) -> bool:
    return _REFERENCE.match(value.strip()) is not None


def _looks_random(value: str) -> bool:
    """A token, not a word: long, or mixing digits and letters or cases."""
    if len(value) >= 20:
        return True
    if len(value) < 8:
        return False
    classes = sum(
        (
            any(c.islower() for c in value),
            any(c.isupper() for c in value),
            any(c.isdigit() for c in value),
            any(not c.isalnum() for c in value),
        )
    )
    return any(c.isdigit() for c in value) or classes >= 3


def _unquote(value: str) -> tuple[str, str]:
    """``value`` without surrounding quotes, and the quote character ('' if none)."""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1], value[0]
    return value, ""


def _mask_value(value: str, kind: str = "secret", *, always: bool = True) -> str:
    """Mask a (possibly quoted) value, unless it is a marker, a reference or harmless."""
    inner, quote = _unquote(value)
    if "<redacted:" in inner or _is_reference(inner) or inner.strip().lower() in _HARMLESS:
        return value
    if not always and not _looks_random(inner):
        return value
    return f"{quote}{marker(kind, inner)}{quote}"


def _shape_replacer(kind: str) -> Callable[[re.Match[str]], str]:
    return lambda m: marker(kind, m.group(0))


def _flag_is_password(flag: str) -> bool:
    return re.search(r"(?i)(secret|passw(?:or)?d|pwd|passphrase|private)", flag) is not None


def redact(text: str) -> str:
    """``text`` with every secret it holds replaced by a marker.

    Masks keys and tokens of well-known shapes (OpenAI, Anthropic, GitHub, GitLab,
    Slack, AWS, Google, Stripe, Hugging Face, npm, JWTs, private keys), bearer and
    basic credentials, passwords in URLs (``scheme://user:PASSWORD@host``), secret
    query parameters (``?api_key=...``), values of secret flags (``--token X``,
    ``--password=X``) and of secret-named assignments (``API_KEY=X``). Ordinary
    paths, versions and model names are left alone.
    """
    if not text:
        return text
    for kind, pattern in _SHAPES:
        text = pattern.sub(_shape_replacer(kind), text)
    text = _URL_PASSWORD.sub(
        lambda m: f"{m.group(1)}:{_mask_value(m.group(2), 'url-password')}@", text
    )
    text = _BEARER.sub(
        lambda m: m.group(1) + _mask_value(m.group(2), "bearer-token", always=False), text
    )
    text = _BASIC.sub(lambda m: m.group(1) + _mask_value(m.group(2), "basic-auth"), text)
    text = _FLAG.sub(
        lambda m: (
            m.group(1) + m.group(2) + _mask_value(m.group(3), always=_flag_is_password(m.group(1)))
        ),
        text,
    )
    text = _QUERY.sub(lambda m: m.group(1) + _mask_value(m.group(2)), text)
    text = _ASSIGNMENT.sub(
        lambda m: (
            f"{m.group(1)}={_mask_value(m.group(2))}" if is_secret_name(m.group(1)) else m.group(0)
        ),
        text,
    )
    return text


def _shape_kind(value: str) -> str:
    for kind, pattern in _SHAPES:
        if pattern.fullmatch(value.strip()):
            return kind
    return "secret"


def redact_command(argv: Iterable[str]) -> tuple[str, ...]:
    """A command line (one string per argument) with its secrets masked.

    Each argument goes through :func:`redact`; in addition, the argument after a
    secret flag given on its own (``--api-key``, ``--token``, ``--password``) is
    masked when it looks like a secret (a password always).
    """
    out: list[str] = []
    pending: str | None = None  # the secret flag whose value is the next argument
    for arg in argv:
        if pending is not None and not arg.startswith("-"):
            kind = _shape_kind(arg)
            masked = _mask_value(arg, kind, always=_flag_is_password(pending) or kind != "secret")
            out.append(masked if masked != arg else redact(arg))
            pending = None
            continue
        pending = None
        flag = _FLAG_ARG.match(arg)
        if flag is not None and flag.group(2) is None:
            pending = flag.group(1)
        out.append(redact(arg))
    return tuple(out)


def redact_env(mapping: Mapping[str, object]) -> dict[str, str]:
    """An environment with its secrets masked; every value as a string.

    A value is masked whole when its name looks secret (``*_KEY``, ``*TOKEN*``,
    ``SECRET``, ``PASSWORD``, ``PASSWD``, ``CREDENTIAL``, ``AUTH``, ``PRIVATE``,
    ``COOKIE``, ``SESSION``, ...) or when the whole value has a secret's shape;
    otherwise the secrets inside it are masked (:func:`redact`). References to
    other variables, booleans and empty values are kept.
    """
    out: dict[str, str] = {}
    for key, raw in mapping.items():
        name = str(key)
        value = _as_text(raw)
        if is_secret_name(name):
            out[name] = _mask_value(value, _shape_kind(value))
        else:
            kind = _shape_kind(value)
            out[name] = _mask_value(value, kind) if kind != "secret" else redact(value)
    return out


def _as_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)
