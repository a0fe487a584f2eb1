"""Capabilities of real and named tools, annotations that contradict them, and tool names."""

from __future__ import annotations

import pytest

from tests.analyse_rules.support import (
    corpus,
    corpus_tool,
    findings,
    inventory,
    rule_ids,
    tool,
)


@pytest.mark.parametrize(
    ("rel", "name", "expected"),
    [
        ("benign/desktop_commander.json", "start_process", {"HE-CAP-001"}),
        ("benign/puppeteer.json", "puppeteer_evaluate", set()),  # JavaScript in the browser
        ("benign/filesystem.json", "write_file", {"HE-CAP-002"}),
        ("benign/github.json", "create_or_update_file", set()),  # a remote repository
        ("benign/fetch.json", "fetch", {"HE-CAP-003"}),
        ("benign/slack.json", "slack_post_message", {"HE-CAP-003"}),
        ("benign/slack.json", "slack_get_thread_replies", set()),
        ("benign/everything.json", "printEnv", {"HE-CAP-004"}),
        ("benign/everything.json", "sampleLLM", set()),  # maxTokens is not a secret
        ("benign/sqlite.json", "read_query", set()),
    ],
)
def test_capabilities_of_real_tools(rel: str, name: str, expected: set[str]) -> None:
    assert rule_ids(findings(inventory(corpus_tool(rel, name))), "HE-CAP-") == expected


@pytest.mark.parametrize(
    ("name", "description", "expected"),
    [
        ("run_tests", "Runs the project's test suite with pytest.", {"HE-CAP-001"}),
        # egress is a destination the caller chooses: a message to any address, not to the
        # service's own fixed channel or store
        ("notify", "Posts a summary to the team channel.", set()),
        ("notify", "Posts a summary to any channel the caller names.", {"HE-CAP-003"}),
        ("email_report", "Emails the report to any address.", {"HE-CAP-003"}),
        ("get_weather", "Returns the weather for a city.", set()),
    ],
)
def test_capabilities_from_names_and_leading_sentences(
    name: str, description: str, expected: set[str]
) -> None:
    assert rule_ids(findings(inventory(tool(name, description))), "HE-CAP-") == expected


def test_annotations_that_contradict_the_tool() -> None:
    found = findings(
        inventory(
            tool("delete_repository", "Deletes a repository.", annotations={"readOnlyHint": True}),
            tool("drop_table", "Drops a table.", annotations={"destructiveHint": False}),
            tool(
                "fetch_page",
                "Fetches a web page from a URL.",
                {"url": {"type": "string"}},
                annotations={"openWorldHint": False},
            ),
        )
    )
    assert {(f.rule_id, f.location.tool) for f in found if f.rule_id.startswith("HE-ANN")} == {
        ("HE-ANN-001", "delete_repository"),
        ("HE-ANN-002", "drop_table"),
        ("HE-ANN-003", "fetch_page"),
    }
    honest = findings(corpus("benign/memory.json"))  # delete_* with destructiveHint true
    assert not rule_ids(honest, "HE-ANN-")


def test_tool_names_outside_the_specification_and_duplicates() -> None:
    found = findings(
        inventory(
            tool("get weather"),
            tool("x" * 129),
            tool("admin.tools.list"),
            tool("DATA_EXPORT_v2"),
            tool("dup"),
            tool("dup"),
        )
    )
    named = {(f.rule_id, f.location.tool) for f in found if f.rule_id.startswith("HE-NAME")}
    assert named == {
        ("HE-NAME-001", "get weather"),
        ("HE-NAME-001", "x" * 129),
        ("HE-NAME-002", "dup"),
    }
