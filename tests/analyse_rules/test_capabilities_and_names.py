"""Capabilities of real and named tools, annotations that contradict them, and tool names."""

from __future__ import annotations

import pytest

from hawkeye_analyse_rules.capabilities import _annotation_findings, classify
from hawkeye_analyse_rules.learned_train import TRAINING_BATCHES
from hawkeye_core import Location, Tool
from hawkeye_core.offline import load_file
from tests.analyse_rules.support import (
    CORPUS,
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
    ("name", "description", "params", "expected"),
    [
        (
            "run_tests",
            "Runs the project's test suite with pytest.",
            {"path": "Project"},
            {"HE-CAP-001"},
        ),
        # egress is a destination the caller chooses: a message to any address, not to the
        # service's own fixed channel or store; the model reads the parameters' words too
        ("notify", "Posts a summary to the team channel.", {"text": "Summary"}, set()),
        (
            "notify",
            "Posts a summary to any channel the caller names.",
            {"channel": "Channel to post to", "text": "Summary"},
            {"HE-CAP-003"},
        ),
        (
            "email_report",
            "Emails the report to any address.",
            {"to": "Recipient address", "report_id": "Report"},
            {"HE-CAP-003"},
        ),
        ("get_weather", "Returns the weather for a city.", {"city": "City"}, set()),
    ],
)
def test_capabilities_from_names_and_leading_sentences(
    name: str, description: str, params: dict[str, str], expected: set[str]
) -> None:
    props = {param: {"type": "string", "description": text} for param, text in params.items()}
    assert rule_ids(findings(inventory(tool(name, description, props))), "HE-CAP-") == expected


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


# -- names spelt with look-alike ASCII letters (HE-NAME-003) --------------------------------


def _lookalikes(*tools: Tool) -> dict[str, str]:
    found = findings(inventory(*tools))
    return {f.location.tool or "": f.evidence for f in found if f.rule_id == "HE-NAME-003"}


def test_a_name_word_the_server_spells_otherwise_is_a_lookalike() -> None:
    cases = {
        "read_fiIe": "Reads a file from the shared drive.",
        "payro11_submit": "Submits the payroll run for approval.",
        "filing_subrnit": "Submits a court filing.",
        "standlngs_get": "League standings for a season.",
        "Iease_renew": "Renews a lease for another year.",
        "c0ntract_get": "Returns one contract.",
    }
    found = _lookalikes(*(tool(name, text) for name, text in cases.items()))
    assert found.keys() == cases.keys()
    assert "'fiIe' is written for 'file'" in found["read_fiIe"]
    assert "'subrnit' is written for 'submit'" in found["filing_subrnit"]


def test_words_the_server_uses_abbreviations_and_camel_case_are_no_lookalikes() -> None:
    clean = [
        tool("read_file", "Reads a file."),
        tool("list_tables", "Lists the tables."),
        tool("getItem", "Returns one item."),  # a camelCase capital I starts a word
        tool("repo_clone", "Clones a repository; done in the background."),  # not 'cl' -> 'd'
        tool("k8s_apply", "Applies a manifest to the cluster."),
        tool("ls_dir", "Lists a directory."),  # too short to judge
        tool("v1_query", "Queries the v1 API."),
        tool("helm_install", "Installs a chart."),  # 'helm' is no word of the server: no swap
    ]
    assert not _lookalikes(*clean)
    # lower-case swaps turn real words into real words: they count only when the tool's own
    # text uses the imitated word
    assert not _lookalikes(
        tool("modern_theme", "Applies the modern theme."),
        tool("modem_status", "Returns the modem's status."),
    )
    assert not _lookalikes(tool("git_clone", "Clones a repository; printed when done."))
    assert _lookalikes(tool("filing_subrnit", "Submits a court filing.")) == {
        "filing_subrnit": "tool name 'filing_subrnit': 'subrnit' is written for 'submit', "
        "the word the server uses"
    }
    # other tool names are no evidence: two look-alikes cannot vouch for each other
    pair = _lookalikes(tool("read_fiIe", "Reads a file."), tool("write_fiIe", "Writes a file."))
    assert pair.keys() == {"read_fiIe", "write_fiIe"}


def test_no_benign_server_of_the_development_corpus_has_a_lookalike_name() -> None:
    for path in sorted(p for b in TRAINING_BATCHES for p in (CORPUS / b).glob("benign/*.json")):
        for inv in load_file(path):
            found = [f for f in findings(inv) if f.rule_id == "HE-NAME-003"]
            assert not found, (path, found)


# -- annotations judged by the learned model (the rules' reading is its evidence) -----------


def _annotation_ids(name: str, description: str, **hints: bool) -> set[str]:
    return rule_ids(findings(inventory(tool(name, description, annotations=hints))), "HE-ANN-")


def test_hints_that_contradict_what_the_description_says_are_found() -> None:
    archive = (
        "Archives a closed ticket. Archiving permanently deletes the ticket, its notes and all "
        "attached evidence; it cannot be undone."
    )
    assert _annotation_ids("ticket_archive", archive, readOnlyHint=True, destructiveHint=False)


def test_a_modifying_word_before_a_read_noun_is_no_contradiction() -> None:
    def rule_reading(name: str, description: str) -> set[str]:
        read_only = tool(name, description, annotations={"readOnlyHint": True})
        where = Location(server="s", tool=name)
        return {f.rule_id for f in _annotation_findings(read_only, where, classify(read_only))}

    check = "Checks releases.example.com for a newer version and returns its number and date."
    assert not rule_reading("update_check", check)
    notice = "Returns the current change-freeze status before a production deploy."
    assert not rule_reading("deploy_notice", notice)
    assert not _annotation_ids("deploy_notice", notice, readOnlyHint=True)
    # the modifying word still counts where it is what the tool does
    assert rule_reading("deploy_app", "Deploys the app to production.") == {"HE-ANN-001"}
