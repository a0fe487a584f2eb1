"""Cross-server analysis: what the servers of one client do to each other.

Servers are grouped by the client that loads them: the config file a
reference came from (``found_in``, or the config a running process was
launched by), else the host of a network server; the files of one
``hawkeye analyse`` run form one group. Within a group: tool names that
collide or imitate each other, descriptions that steer another server's tools
(shadowing), and toxic flows, where one client holds a source of untrusted
content, access to private data and a way out.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from urllib.parse import urlsplit

from attrs import frozen

from hawkeye_analyse_rules.capabilities import classify, first_sentence
from hawkeye_analyse_rules.posture import config_file_findings, config_path
from hawkeye_analyse_rules.rules import make_finding
from hawkeye_analyse_rules.signals import find_signals
from hawkeye_analyse_rules.surface import surfaces
from hawkeye_analyse_rules.text import Clean, excerpt, name_tokens, reveal, skeleton
from hawkeye_core import Finding, Location, ServerInventory, ServerRef, Tool

__all__ = ["client_key", "cross_server_findings", "flow_roles"]

OFFLINE_EVIDENCE = "offline:"
_LAUNCHED = re.compile(r"^launched by .*?config (.+) \([^()]*\)$")
_SEPARATORS = re.compile(r"[_.\-\s]+")
_IDENTIFIER = re.compile(r"[a-z][a-z0-9_.-]{3,127}")
_DIGITS = re.compile(r"[0-9]+")
_STEERING = frozenset(
    {
        "directive",
        "redirect",
        "cross_tool",
        "cross_server",
        "consent",
        "conceal",
        "override",
        "coerce",
        "tag",
        "exfil_param",
        "exfil_dest",
        "conversation",
    }
)
_SOURCE = re.compile(
    r"\b(?:get|gets|list|lists|read|reads|fetch|fetches|search|searches|retrieve|retrieves"
    r"|performs?|navigate|navigates|browse|browses|scrape|scrapes|crawl|crawls|capture|captures)\b"
    r"[^.\n]{0,50}?\b(?:web|internet|urls?|web\s?pages?|websites?|pages?|e-?mails?|inbox"
    r"|issues?|pull\s+requests?|comments?|messages?|threads?|chats?|tweets?|reviews?|feeds?"
    r"|news|tickets?|replies)\b"
)
_PRIVATE = re.compile(
    r"\b(?:read|reads|get|gets|list|lists|query|queries|search|searches|retrieve|retrieves"
    r"|open|opens|select|execute|executes|show|shows|print|prints)\b[^.\n]{0,50}?\b(?:files?"
    r"|director(?:y|ies)|database|sql|select|tables?|records?|rows?|repositor(?:y|ies)|private"
    r"|documents?|notes?|calendar|contacts?|knowledge\s+graph|graph|memory|environment\s+variables"
    r"|credentials|secrets|inbox|e-?mails?|messages?|history|drive)\b"
)
_SINK = re.compile(
    r"\b(?:create|creates|post|posts|send|sends|push|pushes|publish|publishes|upload|uploads"
    r"|share|shares|reply|replies|add|adds|submit|submits|forward|forwards)\b[^.\n]{0,40}?\b"
    r"(?:issues?|comments?|pull\s+requests?|messages?|e-?mails?|posts?|replies|reply|gists?"
    r"|files?\s+to|reviews?|tweets?|webhooks?|repository|repositories)\b"
)


@frozen
class _Server:
    inventory: ServerInventory
    label: str


def client_key(ref: ServerRef) -> str:
    """The client that loads ``ref``: its config file, its host, or the offline run."""
    if any(line.startswith(OFFLINE_EVIDENCE) for line in ref.evidence):
        return "offline"
    path = config_path(ref)
    if path:
        return f"config:{path}"
    for line in ref.evidence:
        match = _LAUNCHED.match(line)
        if match:
            return f"config:{match.group(1)}"
    if ref.url:
        return f"host:{urlsplit(ref.url).hostname or ref.url}"
    return f"server:{ref.key}"


def _group_label(key: str) -> str:
    kind, _, rest = key.partition(":")
    if kind == "config":
        return f"client config {rest}"
    if kind == "host":
        return f"servers on {rest}"
    return "servers analysed together" if key == "offline" else rest


def flow_roles(tool: Tool) -> set[str]:
    """Which of ``source``, ``private`` and ``sink`` a tool can play in a toxic flow."""
    return _roles(tool)[0]


def _roles(tool: Tool) -> tuple[set[str], bool]:
    """The flow roles of ``tool``, and whether it reaches destinations the caller picks."""
    lead = first_sentence(tool.description)
    words = set(name_tokens(tool.name))
    caps = classify(tool)
    roles = set()
    if _SOURCE.search(lead) or (caps.egress and not _SINK.search(lead) and "send" not in words):
        roles.add("source")
    if _PRIVATE.search(lead) or caps.credentials or ({"read", "file"} <= words):
        roles.add("private")
    if caps.egress or _SINK.search(lead):
        roles.add("sink")
    return roles, caps.egress


def _normal(name: str) -> str:
    return _SEPARATORS.sub("", skeleton(name))


def _deletions(name: str) -> set[str]:
    return {name[:i] + name[i + 1 :] for i in range(len(name))}


def _collisions(servers: Sequence[_Server], group: str, file: str | None) -> Iterator[Finding]:
    by_name: dict[str, list[_Server]] = defaultdict(list)
    by_normal: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for server in servers:
        for tool in server.inventory.tools:
            if server not in by_name[tool.name]:
                by_name[tool.name].append(server)
            by_normal[_normal(tool.name)].add((tool.name, server.label))
    for name, holders in by_name.items():
        labels = sorted({s.label for s in holders})
        if len(labels) > 1:
            yield make_finding(
                "HE-XS-001",
                evidence=f"tool {reveal(name)[:80]!r} is exposed by "
                f"{', '.join(labels)[:160]} ({group})",
                location=Location(server=labels[-1], tool=name, file=file),
                confidence=0.95,
            )
    for variants in by_normal.values():
        names = {n for n, _ in variants}
        labels = {label for _, label in variants}
        if len(names) > 1 and len(labels) > 1:
            ordered = sorted(variants, key=lambda v: (v[0].isascii(), v[0]))
            impostor, label = ordered[0]
            others = sorted(n for n in names if n != impostor)
            yield make_finding(
                "HE-XS-002",
                evidence=f"{reveal(impostor)!a} on {label} imitates "
                f"{reveal(others[0])!a} ({group})",
                location=Location(server=label, tool=impostor, file=file),
                confidence=0.9,
                title=None,
            )
    yield from _one_letter_apart(servers, group, file)


def _one_letter_apart(
    servers: Sequence[_Server], group: str, file: str | None
) -> Iterator[Finding]:
    owners: dict[str, set[str]] = defaultdict(set)
    for server in servers:
        for tool in server.inventory.tools:
            if 6 <= len(tool.name) <= 64:
                owners[tool.name.lower()].add(server.label)
    index: dict[str, set[str]] = defaultdict(set)
    for name in owners:
        for variant in _deletions(name) | {name}:
            index[variant].add(name)
    reported: set[frozenset[str]] = set()
    for name in owners:
        for variant in _deletions(name) | {name}:
            for other in index[variant]:
                pair = frozenset({name, other})
                if other == name or pair in reported or owners[name] & owners[other]:
                    continue
                if _normal(name) == _normal(other) or name.rstrip("s") == other.rstrip("s"):
                    continue
                if _DIGITS.sub("#", name) == _DIGITS.sub("#", other):
                    continue  # numbered siblings (tool_1, tool_2), not an imitation
                reported.add(pair)
                later = max(name, other)
                label = sorted(owners[later])[0]
                yield make_finding(
                    "HE-XS-002",
                    evidence=f"{later!r} on {label} is one letter from {min(name, other)!r} on "
                    f"{sorted(owners[min(name, other)])[0]} ({group})",
                    location=Location(server=label, tool=later, file=file),
                    confidence=0.5,
                    title="Tool name one letter away from another server's tool",
                )


def _distinctive(name: str) -> bool:
    return len(name) >= 5 and bool(re.search(r"[_.\-0-9]|[a-z][A-Z]", name))


def _shadowing(servers: Sequence[_Server], group: str, file: str | None) -> Iterator[Finding]:
    owners: dict[str, set[str]] = defaultdict(set)
    for server in servers:
        for tool in server.inventory.tools:
            if _distinctive(tool.name):
                owners[tool.name.lower()].add(server.label)
    if not owners:
        return
    for server in servers:
        own = {t.name.lower() for t in server.inventory.tools}
        for surface in surfaces(server.inventory):
            clean = Clean(surface.text)
            for match in _IDENTIFIER.finditer(clean.s):
                target = match.group(0).rstrip(".-")
                if target not in owners:
                    continue
                foreign = owners[target] - {server.label}
                if target in own or not foreign:
                    continue
                found = find_signals(surface.text, surface.params, clean=clean)
                if not {s.category for s in found} & _STEERING:
                    continue
                start, end = clean.span(match.start(), match.start() + len(target))
                where = Location(server=server.label, file=file)
                if surface.kind == "tool":
                    where = Location(server=server.label, tool=surface.owner, file=file)
                yield make_finding(
                    "HE-SH-002",
                    evidence=f"{surface.field} names {target!r} of {sorted(foreign)[0]} ({group}): "
                    + excerpt(surface.text, start, end, limit=160),
                    location=where,
                    confidence=0.85,
                )
                break


def _toxic_flow(servers: Sequence[_Server], group: str, file: str | None) -> Iterator[Finding]:
    holders: dict[str, list[str]] = {"source": [], "private": [], "sink": []}
    servers_involved: set[str] = set()
    arbitrary_exit = False
    for server in servers:
        for tool in server.inventory.tools:
            roles, egress = _roles(tool)
            for role in roles:
                holders[role].append(f"{server.label}/{tool.name}")
            if roles:
                servers_involved.add(server.label)  # labels may hold "/" (URLs): keep them whole
            arbitrary_exit = arbitrary_exit or ("sink" in roles and egress)
    if not all(holders.values()):
        return

    def some(role: str) -> str:
        entries = holders[role]
        more = f" (+{len(entries) - 1})" if len(entries) > 1 else ""
        return reveal(entries[0])[:60] + more

    yield make_finding(
        "HE-XS-003",
        evidence=f"{group}: untrusted input {some('source')}; private data {some('private')}; "
        f"exit {some('sink')}",
        location=Location(server=", ".join(sorted(servers_involved))[:200], file=file),
        confidence=0.85 if arbitrary_exit else 0.7,
    )


def cross_server_findings(inventories: Sequence[ServerInventory]) -> Iterator[Finding]:
    """HE-XS-*, HE-SH-002 and HE-CFG-006 findings over every inventory of a run."""
    groups: dict[str, list[_Server]] = defaultdict(list)
    seen: set[str] = set()
    for inventory in inventories:
        if inventory.ref.key in seen:
            continue
        seen.add(inventory.ref.key)
        groups[client_key(inventory.ref)].append(_Server(inventory, inventory.ref.label))
    for key, servers in sorted(groups.items()):
        file = key.partition(":")[2] if key.startswith("config:") else None
        group = _group_label(key)
        if len({s.label for s in servers}) > 1:
            yield from _collisions(servers, group, file)
            yield from _shadowing(servers, group, file)
        yield from _toxic_flow(servers, group, file)
    yield from config_file_findings(inventory.ref for inventory in inventories)
