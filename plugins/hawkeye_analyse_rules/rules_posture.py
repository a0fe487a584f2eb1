"""Rules about how servers are combined, started and reached: cross-server, flows, posture."""

from __future__ import annotations

from hawkeye_analyse_rules.ruledef import (
    MCP01,
    MCP02,
    MCP03,
    MCP04,
    MCP05,
    MCP06,
    MCP07,
    MCP09,
    MCP10,
    Rule,
    rule,
)
from hawkeye_core import Severity

__all__ = ["POSTURE_RULES"]

#: Cross-server and posture rules, in table order.
POSTURE_RULES: tuple[Rule, ...] = (
    rule(
        "HE-XS-001",
        "cross-server",
        Severity.MEDIUM,
        "Tool name collision across servers of one client",
        "Two servers loaded by the same client expose a tool with the same name; which one "
        "the model calls is up to the client.",
        "Prefix tool names per server in the client, or drop one of the servers.",
        ("CWE-694",),
        (MCP03,),
    ),
    rule(
        "HE-XS-002",
        "cross-server",
        Severity.MEDIUM,
        "Tool name imitates another server's tool",
        "A tool whose name differs from another server's only by case, separators, "
        "look-alike characters or one letter.",
        "Check which server is genuine; remove the imitation.",
        ("CWE-1007",),
        (MCP03,),
    ),
    rule(
        "HE-XS-003",
        "toxic-flow",
        Severity.HIGH,
        "Toxic flow: untrusted input, private data and an exit in one client",
        "One client loads tools that read untrusted content (web pages, issues, messages), "
        "tools that read private data, and tools that send data out: a prompt injection in "
        "the first can leak the second through the third.",
        "Split these servers across clients, or require confirmation on the sending tools.",
        ("CWE-668",),
        (MCP10, MCP06),
    ),
    rule(
        "HE-CFG-001",
        "posture",
        Severity.MEDIUM,
        "Server command runs through a shell",
        "A stdio command line that starts sh -c, bash -c, cmd /c, powershell -Command and "
        "the like: the config holds a script, not a command.",
        "Start the server binary directly with its arguments.",
        ("CWE-78",),
        (MCP05,),
    ),
    rule(
        "HE-CFG-002",
        "posture",
        Severity.CRITICAL,
        "Server command downloads and runs code (curl | sh)",
        "A command line that pipes a download into a shell or interpreter.",
        "Install a reviewed, pinned release instead; verify its checksum.",
        ("CWE-494",),
        (MCP04, MCP05),
    ),
    rule(
        "HE-CFG-003",
        "posture",
        Severity.MEDIUM,
        "Server package is not pinned to a version",
        "npx/bunx/pnpm dlx, uvx, pipx run or docker run with a package or image and no "
        "version, digest or tag (or 'latest'): every start may run different code.",
        "Pin an exact version (pkg@1.2.3, pkg==1.2.3, image@sha256:...).",
        ("CWE-1357", "CWE-829"),
        (MCP04,),
    ),
    rule(
        "HE-CFG-004",
        "posture",
        Severity.HIGH,
        "Secret in the server's command line",
        "A key, token or password in the arguments (shown redacted): visible to every local "
        "user in the process list and stored in the config.",
        "Pass secrets through the environment from a secret store; rotate this one.",
        ("CWE-214", "CWE-798"),
        (MCP01,),
    ),
    rule(
        "HE-CFG-005",
        "posture",
        Severity.MEDIUM,
        "Secret hard-coded in the server's environment",
        "A key, token or password written into the config's env block (shown redacted).",
        "Reference the secret (${VAR}, ${input:...}) instead of writing it into the config.",
        ("CWE-798",),
        (MCP01,),
    ),
    rule(
        "HE-CFG-006",
        "posture",
        Severity.HIGH,
        "Config file with secrets is readable by other users",
        "A client config that holds hard-coded secrets has group- or world-read permission.",
        "chmod 600 the file; move the secrets out of it.",
        ("CWE-732",),
        (MCP01,),
    ),
    rule(
        "HE-CFG-007",
        "posture",
        Severity.HIGH,
        "Container server gets host-level access",
        "docker/podman run with --privileged, the Docker socket, the host's root filesystem "
        "or the host's network or PID namespace.",
        "Drop the flag or mount; give the container only what the server needs.",
        ("CWE-250",),
        (MCP02, MCP05),
    ),
    rule(
        "HE-NET-001",
        "posture",
        Severity.HIGH,
        "Network server accepts clients without authentication",
        "A server on a non-loopback address answered an MCP session with no credentials.",
        "Require OAuth 2.1 bearer tokens, or bind the server to loopback.",
        ("CWE-306",),
        (MCP07,),
    ),
    rule(
        "HE-NET-002",
        "posture",
        Severity.HIGH,
        "Plain HTTP off loopback",
        "An http:// or ws:// server on a non-loopback address: sessions and tokens travel in "
        "clear text.",
        "Serve HTTPS (TLS) or bind to loopback.",
        ("CWE-319",),
        (MCP07, MCP01),
    ),
    rule(
        "HE-NET-003",
        "posture",
        Severity.MEDIUM,
        "Server listens on all interfaces",
        "The server binds 0.0.0.0 or [::], so every network the host is on can reach it.",
        "Bind 127.0.0.1 unless the server must be reachable, and then require auth.",
        ("CWE-1327",),
        (MCP07, MCP09),
    ),
    rule(
        "HE-NET-004",
        "posture",
        Severity.LOW,
        "401 without protected-resource metadata",
        "The server asks for credentials but publishes no RFC 9728 protected-resource "
        "metadata, so MCP clients cannot discover how to authorize.",
        "Serve /.well-known/oauth-protected-resource and name it in WWW-Authenticate.",
        ("CWE-287",),
        (MCP07,),
    ),
    rule(
        "HE-NET-005",
        "posture",
        Severity.HIGH,
        "Origin header not validated (DNS rebinding)",
        "A live probe recorded that the server answered a request with a foreign Origin. "
        "This cannot be judged statically: the rule only reports what a detector's probe saw.",
        "Validate Origin on every request; bind local servers to 127.0.0.1; require auth.",
        ("CWE-346",),
        (MCP07,),
    ),
    rule(
        "HE-NET-006",
        "posture",
        Severity.LOW,
        "Outdated MCP protocol version",
        "The server speaks a protocol version older than 2025-03-26 (no OAuth-based "
        "authorization, no tool annotations).",
        "Upgrade the server's MCP SDK.",
        ("CWE-1104",),
        (MCP07,),
    ),
    rule(
        "HE-NET-007",
        "posture",
        Severity.MEDIUM,
        "TLS certificate does not verify",
        "The server's certificate is self-signed, expired or for another name.",
        "Use a certificate from a trusted CA for the server's name.",
        ("CWE-295",),
        (MCP07,),
    ),
)
