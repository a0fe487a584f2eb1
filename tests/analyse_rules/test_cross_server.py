"""Cross-server rules within one client, and both analysers through the pipeline.

The pipeline cases run through ``hawkeye_core.testing.run_pipeline`` with a
test-only host detector and introspector.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import attrs

import hawkeye_analyse_rules
from hawkeye_analyse_rules import analyse_run
from hawkeye_analyse_rules.crossserver import client_key, flow_roles
from hawkeye_core import (
    Detector,
    Finding,
    Introspector,
    ServerInventory,
    ServerRef,
    Settings,
)
from hawkeye_core.testing import run_pipeline
from tests.analyse_rules.support import CONFIG, corpus, corpus_tool
from tests.helpers import plugin


def as_client(*inventories: ServerInventory, config: str = CONFIG) -> list[ServerInventory]:
    """The inventories as servers of one client config."""
    return [
        attrs.evolve(
            inv,
            ref=attrs.evolve(
                inv.ref, found_in=config, evidence=(f"configured in Cursor ({config})",)
            ),
        )
        for inv in inventories
    ]


def cross(*inventories: ServerInventory) -> list[Finding]:
    return [f for f in analyse_run(list(inventories)) if f.rule_id != "HE-CFG-006"]


def test_collisions_and_impostors_across_three_servers() -> None:
    servers = as_client(
        corpus("benign/everything.json"),
        corpus("malicious/invariant_direct_poisoning.json"),
        corpus("malicious/hidden_content.json"),
        corpus("benign/filesystem.json"),
    )
    found = cross(*servers)
    collisions = {f.location.tool for f in found if f.rule_id == "HE-XS-001"}
    assert collisions == {"add"}
    impostor = [
        f for f in found if f.rule_id == "HE-XS-002" and f.location.tool == "se\u0430rch_files"
    ]
    assert impostor and impostor[0].location.server == "hidden_content"
    assert "imitates 'search_files'" in impostor[0].evidence


def test_servers_of_different_clients_do_not_collide() -> None:
    one = as_client(corpus("benign/filesystem.json"), config="/home/a/.cursor/mcp.json")
    other = as_client(corpus("benign/desktop_commander.json"), config="/home/a/.claude.json")
    assert not [
        f
        for f in cross(*one, *other)
        if f.rule_id.startswith("HE-XS-00") and f.rule_id != "HE-XS-003"
    ]


def test_a_description_steering_another_servers_tool_is_shadowing() -> None:
    servers = as_client(
        corpus("benign/github.json"),
        corpus("benign/git.json"),
        corpus("malicious/shadowing_variants.json"),
    )
    shadow = {
        (f.location.server, f.location.tool) for f in cross(*servers) if f.rule_id == "HE-SH-002"
    }
    assert shadow == {("shadowing_variants", "daily_tip"), ("shadowing_variants", "weather_now")}
    alone = as_client(corpus("benign/filesystem.json"), corpus("benign/desktop_commander.json"))
    assert not [f for f in cross(*alone) if f.rule_id == "HE-SH-002"]


def test_toxic_flows_need_all_three_roles_in_one_client() -> None:
    fetch_fs = as_client(corpus("benign/fetch.json"), corpus("benign/filesystem.json"))
    flows = [f for f in cross(*fetch_fs) if f.rule_id == "HE-XS-003"]
    assert len(flows) == 1
    assert (
        "untrusted input fetch/fetch" in flows[0].evidence
        and "private data filesystem/" in flows[0].evidence
    )
    local = as_client(
        corpus("benign/git.json"), corpus("benign/memory.json"), corpus("benign/sqlite.json")
    )
    assert not [f for f in cross(*local) if f.rule_id == "HE-XS-003"]
    split = as_client(corpus("benign/fetch.json"), config="/a/mcp.json") + as_client(
        corpus("benign/filesystem.json"), config="/b/mcp.json"
    )
    assert not [f for f in cross(*split) if f.rule_id == "HE-XS-003"]


def test_flow_roles_of_real_tools() -> None:
    assert "source" in flow_roles(corpus_tool("benign/github.json", "get_issue"))
    assert "private" in flow_roles(corpus_tool("benign/github.json", "get_file_contents"))
    assert "sink" in flow_roles(corpus_tool("benign/github.json", "create_issue"))
    assert flow_roles(corpus_tool("benign/git.json", "git_status")) == set()


def test_clients_are_found_from_configs_processes_hosts_and_offline_runs() -> None:
    launched = ServerRef(
        transport="stdio",
        command=("node", "x"),
        found_in="pid 42",
        evidence=("running process 42 (node): x", f"launched by Cursor config {CONFIG} (fs)"),
    )
    assert client_key(launched) == f"config:{CONFIG}"
    assert client_key(ServerRef(transport="sse", url="http://h.example:1/sse")) == "host:h.example"
    assert client_key(corpus("benign/git.json").ref) == "offline"


# -- the pipeline -----------------------------------------------------------------------------


def fixture_plugin(inventories: list[ServerInventory]) -> object:
    """A test-only host detector and introspector that hand out ``inventories``."""
    by_key = {inv.ref.key: inv for inv in inventories}

    def detect(ctx: Any) -> Iterator[ServerRef]:
        for inv in inventories:
            yield inv.ref

    def introspect(ref: ServerRef, ctx: Any) -> ServerInventory:
        return by_key[ref.key]

    return plugin(
        "fixture-servers",
        hawkeye_detectors=lambda: [Detector(name="fixture", on="host", run=detect)],
        hawkeye_introspectors=lambda: [Introspector(name="fixture", run=introspect)],
    )


def test_both_analysers_run_on_their_levels_through_the_pipeline() -> None:
    servers = as_client(
        corpus("benign/fetch.json"),
        corpus("benign/filesystem.json"),
        corpus("malicious/invariant_shadowing.json"),
    )
    result = run_pipeline(
        [], hawkeye_analyse_rules, fixture_plugin(servers), settings=Settings(local=True)
    )
    assert not result.errors
    by_plugin = {f.plugin for f in result.findings}
    assert by_plugin == {"hawkeye_analyse_rules:rules", "hawkeye_analyse_rules:cross-server"}
    ids = {f.rule_id for f in result.findings}
    assert {"HE-SH-001", "HE-TP-003", "HE-XS-003", "HE-CAP-003", "HE-CAP-002"} <= ids
