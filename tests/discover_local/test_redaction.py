"""Redaction of secrets in text, command lines and environments, and secret-looking names."""

from __future__ import annotations

import pytest

from hawkeye_core.redact import (
    is_secret_name,
    redact,
    redact_command,
    redact_env,
)
from tests.discover_local.support import OPENAI_KEY


@pytest.mark.parametrize(
    ("secret", "kind"),
    [
        (OPENAI_KEY, "openai-key"),
        ("sk-ant-api03-" + "Zx9" * 30, "anthropic-key"),
        ("ghp_" + "a1B2c3D4e5" * 4, "github-token"),
        ("gho_" + "Q9w8E7r6T5" * 4, "github-token"),
        ("github_pat_11ABCDEFG0" + "x7Y" * 20, "github-token"),
        ("xoxb-123456789012-1234567890123-AbCdEfGhIjKl", "slack-token"),
        ("xoxp-123456789012-1234567890123-AbCdEfGhIjKl", "slack-token"),
        ("AKIAIOSFODNN7EXAMPLE", "aws-access-key"),
        ("AIzaSyD" + "k3Jf9" * 6 + "ab", "google-api-key"),
        ("sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc", "stripe-key"),
        ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9", "jwt"),
        ("hf_" + "aBcDeFgHiJ" * 4, "huggingface-token"),
    ],
)
def test_redact_masks_well_known_key_shapes_keeping_kind_and_length_only(
    secret: str, kind: str
) -> None:
    text = f"config: key={secret} end"
    out = redact(text)
    assert out == f"config: key=<redacted:{kind}:{len(secret)} chars> end"  # no prefix kept


def test_redact_masks_credentials_in_urls_headers_and_flags() -> None:
    assert redact("postgres://app:S3cret-pass@db:5432/x") == (
        "postgres://app:<redacted:url-password:11 chars>@db:5432/x"
    )
    assert redact("https://h/mcp?api_key=abc123def456&team=x") == (
        "https://h/mcp?api_key=<redacted:secret:12 chars>&team=x"
    )
    assert redact("Authorization: Bearer 9a8b7c6d5e4f3a2b1c") == (
        "Authorization: Bearer <redacted:bearer-token:18 chars>"
    )
    assert redact("run --token 9f8e7d6c5b4a39281706 --v") == (
        "run --token <redacted:secret:20 chars> --v"
    )
    assert redact("run --api-key=Zq81Kd93Lm20Xc") == "run --api-key=<redacted:secret:14 chars>"
    assert redact("--password hunter2") == "--password <redacted:secret:7 chars>"
    assert redact("docker run -e API_KEY=abc123xyz img") == (
        "docker run -e API_KEY=<redacted:secret:9 chars> img"
    )


def test_redact_stays_linear_on_hostile_text() -> None:
    # "a-a-a-..." made the URL-password pattern backtrack from every position
    # (seconds at 32k characters, minutes on a report full of such strings).
    for unit in ("a-", "a.", "a+", "--a-", " --token ", "?key"):
        text = (unit * (2**17 // len(unit)))[: 2**17]
        assert redact(text) == text
    assert redact("x " * 10 + "postgres://admin:hunter2@db.internal/x").endswith(
        "postgres://admin:<redacted:url-password:7 chars>@db.internal/x"
    )


@pytest.mark.parametrize(
    "text",
    [
        "/home/alice/projects/mcp-server/dist/index.js",
        "C:\\Users\\carol\\AppData\\Roaming\\Claude\\claude_desktop_config.json",
        "1.2.3",
        "v2.10.0-rc.1+build.20240611",
        "claude-3-5-sonnet-20241022",
        "gpt-4o-mini-2024-07-18",
        "qwen2.5-coder:7b",
        "@modelcontextprotocol/server-filesystem",
        "awslabs.aws-documentation-mcp-server@latest",
        "mcp-server-fetch --ignore-robots-txt",
        "--token-file /run/secrets/token",
        "--token ${GITHUB_TOKEN}",
        "Bearer authentication is required",
        "scikit-learn task-runner sk-learn-is-not-a-key-at-all",
        "https://api.githubcopilot.com/mcp/",
    ],
)
def test_redact_leaves_ordinary_text_alone(text: str) -> None:
    assert redact(text) == text


def test_redact_command_masks_the_argument_after_a_secret_flag() -> None:
    argv = ["uvx", "tool", "--api-key", "Zq81Kd93Lm20XcVb", "--password", "pw", "--db", "/x.db"]
    assert redact_command(argv) == (
        "uvx",
        "tool",
        "--api-key",
        "<redacted:secret:16 chars>",
        "--password",
        "<redacted:secret:2 chars>",
        "--db",
        "/x.db",
    )
    assert redact_command(["x", "--token", "${input:token}"]) == ("x", "--token", "${input:token}")


def test_redact_env_masks_secret_names_and_shapes_and_keeps_the_rest() -> None:
    env = {
        "GITHUB_PERSONAL_ACCESS_TOKEN": "ghp_" + "a1B2c3D4e5" * 4,
        "BRAVE_API_KEY": "plain",
        "dbPassword": "x",
        "OPTIONS": OPENAI_KEY,
        "DATABASE_URL": "postgres://u:p4ss@h/db",
        "TOKENIZERS_PARALLELISM": "false",
        "AUTH_ENABLED": "true",
        "GITHUB_TOKEN": "${input:github_token}",
        "LOG_LEVEL": "debug",
        "PORT": 8080,
    }
    assert redact_env(env) == {
        "GITHUB_PERSONAL_ACCESS_TOKEN": "<redacted:github-token:44 chars>",
        "BRAVE_API_KEY": "<redacted:secret:5 chars>",
        "dbPassword": "<redacted:secret:1 chars>",
        "OPTIONS": f"<redacted:openai-key:{len(OPENAI_KEY)} chars>",
        "DATABASE_URL": "postgres://u:<redacted:url-password:4 chars>@h/db",
        "TOKENIZERS_PARALLELISM": "false",
        "AUTH_ENABLED": "true",
        "GITHUB_TOKEN": "${input:github_token}",
        "LOG_LEVEL": "debug",
        "PORT": "8080",
    }


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("GITHUB_TOKEN", True),
        ("OPENAI_API_KEY", True),
        ("apiKey", True),
        ("AWS_SECRET_ACCESS_KEY", True),
        ("DB_PASSWD", True),
        ("GOOGLE_CREDENTIALS", True),
        ("SESSION_COOKIE", True),
        ("PRIVATE_KEY", True),
        ("AUTH", True),
        ("TOKENIZERS_PARALLELISM", False),
        ("TOKEN_URL", False),
        ("AWS_ACCESS_KEY_ID", False),
        ("KEYBOARD_LAYOUT", False),
        ("LOG_LEVEL", False),
    ],
)
def test_is_secret_name(name: str, secret: bool) -> None:
    assert is_secret_name(name) is secret
