"""JSON (documented schema), JSONL and SARIF (official schema, fingerprints) reports."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from hawkeye_core import (
    Finding,
    Location,
    ScanResult,
    ServerInventory,
    ServerRef,
    Tool,
)
from hawkeye_report_json import report_data, write_json
from hawkeye_report_jsonl import finding_line, stream_finding, write_jsonl
from hawkeye_report_sarif import (
    FINGERPRINT_KEY,
    artifact_uri,
    finding_fingerprint,
    sarif_log,
    write_sarif,
)
from tests.reports.support import (
    GITHUB_TOKEN,
    LONG,
    REPORT_SCHEMA,
    SARIF_SCHEMA,
    assert_no_secret,
    empty_result,
    finding_validator,
    hostile_result,
    render,
    report_validator,
    sarif_validator,
)


# -- JSON --------------------------------------------------------------------------------
def test_report_schema_is_a_valid_2020_12_schema():
    assert REPORT_SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(REPORT_SCHEMA)


@pytest.mark.parametrize("make", [hostile_result, lambda root: empty_result()])
def test_json_report_validates_against_the_documented_schema(repo: Path, make: Any):
    document = json.loads(render(write_json, make(repo)))
    report_validator().validate(document)
    assert {
        "schema_version",
        "hawkeye_version",
        "scan",
        "endpoints",
        "servers",
        "findings",
        "suppressed",
        "errors",
    } <= set(document)


def test_json_report_holds_full_inventories_summary_and_errors(result: ScanResult):
    document = json.loads(render(write_json, result))
    weather = next(s for s in document["servers"] if s["name"] == "weather")
    inventory = weather["inventory"]
    assert inventory["tools"][0]["name"] == "get_forecast"
    assert inventory["tools"][1]["description"] == LONG  # the JSON keeps everything
    assert inventory["prompts"][0]["arguments"][0]["required"] is True
    assert weather["server_info"]["version"] == "1.2.0"
    assert document["summary"]["by_severity"] == {
        "critical": 1,
        "high": 1,
        "medium": 1,
        "low": 1,
        "info": 1,
    }
    assert document["summary"]["highest"] == "critical"
    assert document["scan"]["started_at"] == "2023-11-14T22:13:20.000Z"
    assert document["suppressed"][0]["suppressed"].startswith("reviewed")
    assert document["errors"][0]["status"] == "timeout"


def test_json_report_masks_secrets_and_is_ascii(result: ScanResult):
    text = render(write_json, result)
    assert text.isascii()
    assert_no_secret(text)
    stdio = next(s for s in json.loads(text)["servers"] if s["transport"] == "stdio")
    assert stdio["env"]["API_KEY"].startswith("<redacted:")
    assert stdio["env"]["LOG_LEVEL"] == "debug"
    assert GITHUB_TOKEN not in stdio["key"]


def test_json_schema_catches_an_undocumented_or_wrong_value(result: ScanResult):
    validator = report_validator()
    document = report_data(result)
    document["findings"][0]["severity"] = "urgent"
    assert not validator.is_valid(document)
    document = report_data(result)
    document["servers"][0]["surprise"] = 1
    assert not validator.is_valid(document)
    document = report_data(result)
    document["suppressed"][0]["suppressed"] = None
    assert not validator.is_valid(document)


def test_json_report_lists_an_inventory_whose_server_was_not_detected(repo: Path):
    ref = ServerRef(transport="sse", url="http://10.0.0.9/sse")
    lone = ScanResult(
        scan_id="b" * 32,
        started=2.0,
        finished=3.0,
        hawkeye_version="0.1.0",
        inventories=(ServerInventory(ref=ref, tools=(Tool(name="t"),)),),
    )
    document = json.loads(render(write_json, lone))
    report_validator().validate(document)
    assert [s["key"] for s in document["servers"]] == ["sse:http://10.0.0.9/sse"]


# -- JSONL -------------------------------------------------------------------------------
def test_jsonl_writes_one_valid_finding_per_line(result: ScanResult):
    text = render(write_jsonl, result)
    lines = text.splitlines()
    assert len(lines) == len(result.findings)
    validator = finding_validator()
    for line, finding in zip(lines, result.findings, strict=True):
        data = json.loads(line)
        validator.validate(data)
        assert data["rule_id"] == finding.rule_id and data["suppressed"] is None
    assert text.isascii()
    assert_no_secret(text)
    assert [json.loads(line) for line in lines] == report_data(result)["findings"]


def test_jsonl_streamed_lines_equal_the_lines_written_at_the_end(result: ScanResult):
    streamed = io.StringIO()
    for finding in result.findings:  # as the core calls it, one finding at a time
        stream_finding(finding, streamed)
    assert streamed.getvalue() == render(write_jsonl, result)
    assert finding_line(result.findings[0]).endswith("\n")
    assert finding_line(result.findings[0]).count("\n") == 1


def test_jsonl_of_an_empty_scan_is_empty():
    assert render(write_jsonl, empty_result()) == ""


# -- SARIF -------------------------------------------------------------------------------
def test_stored_sarif_schema_is_the_official_2_1_0_schema():
    assert (
        SARIF_SCHEMA["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    )
    assert SARIF_SCHEMA["properties"]["version"]["enum"] == ["2.1.0"]
    assert len(SARIF_SCHEMA["definitions"]) == 52


@pytest.mark.parametrize("make", [hostile_result, lambda root: empty_result()])
def test_sarif_validates_against_the_official_schema(repo: Path, make: Any):
    log = json.loads(render(write_sarif, make(repo)))
    errors = sorted(sarif_validator().iter_errors(log), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


def test_sarif_has_one_rule_per_rule_id_with_help_level_and_security_severity(
    result: ScanResult,
):
    run = sarif_log(result)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert ids == sorted({f.rule_id for f in (*result.findings, *result.suppressed)})
    tp = rules[ids.index("HE-TP-001")]
    assert tp["properties"]["security-severity"] == "8.0"  # the rule's worst finding: high
    assert tp["defaultConfiguration"]["level"] == "error"
    assert "Remediation: Remove the server." in tp["help"]["text"]
    assert "CWE-1427" in tp["help"]["text"]
    assert "external/cwe/cwe-1427" in tp["properties"]["tags"]
    cfg = rules[ids.index("HE-CFG-002")]
    assert cfg["properties"]["security-severity"] == "9.5"
    assert cfg["helpUri"] == "https://cwe.mitre.org/data/definitions/798.html"
    levels = {r["ruleId"]: r["level"] for r in run["results"] if r["ruleId"] != "HE-TP-001"}
    assert levels == {
        "HE-CFG-002": "error",
        "HE-NET-001": "warning",
        "HE-INFO-001": "note",
        "HE-ANN-003": "warning",
    }
    for entry in run["results"]:
        assert rules[entry["ruleIndex"]]["id"] == entry["ruleId"]


def test_sarif_locations_point_into_config_files_else_name_the_server_and_tool(
    result: ScanResult, repo: Path
):
    results = sarif_log(result)["runs"][0]["results"]
    by_rule = {(r["ruleId"], r["level"]): r for r in results}
    secret = by_rule[("HE-CFG-002", "error")]["locations"][0]["physicalLocation"]
    assert secret["artifactLocation"] == {"uri": ".cursor/mcp.json", "uriBaseId": "%SRCROOT%"}
    assert secret["region"] == {"startLine": 7}
    outside = by_rule[("HE-INFO-001", "note")]["locations"][0]["physicalLocation"]
    assert outside["artifactLocation"] == {"uri": "file:///etc/hawkeye-test/mcp.json"}
    tool = by_rule[("HE-TP-001", "error")]["locations"][0]
    assert "physicalLocation" not in tool
    assert tool["logicalLocations"] == [
        {"name": "get_forecast", "fullyQualifiedName": "weather/get_forecast", "kind": "function"}
    ]
    run = sarif_log(result)["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == repo.resolve().as_uri() + "/"


def test_sarif_points_a_finding_of_a_configured_server_at_its_config_file(repo: Path):
    config = repo / "mcp.json"
    ref = ServerRef(transport="stdio", command=("srv",), name="srv", found_in=f"{config}#x")
    finding = Finding(rule_id="R1", severity="low", title="t", location=Location(server="srv"))
    scan = ScanResult(
        scan_id="c", started=1.0, finished=2.0, hawkeye_version="0.1.0",
        servers=(ref,), findings=(finding,),
    )  # fmt: skip
    location = sarif_log(scan)["runs"][0]["results"][0]["locations"][0]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == "mcp.json"
    assert "region" not in location["physicalLocation"]


def test_artifact_uri_is_relative_under_the_root_and_a_file_uri_elsewhere(tmp_path: Path):
    root = tmp_path.resolve()
    assert artifact_uri(str(root / "a b" / "c.json"), root) == ("a%20b/c.json", True)
    assert artifact_uri("rel/x.json", root) == ("rel/x.json", True)
    assert artifact_uri("/opt/x.json", root) == ("file:///opt/x.json", False)
    assert artifact_uri(str(root / ".." / "up.json"), root)[1] is False


def test_sarif_marks_suppressed_findings_as_accepted(result: ScanResult):
    results = sarif_log(result)["runs"][0]["results"]
    accepted = [r for r in results if "suppressions" in r]
    assert [r["ruleId"] for r in accepted] == ["HE-ANN-003"]
    assert accepted[0]["suppressions"][0]["kind"] == "external"
    assert accepted[0]["suppressions"][0]["state"] == "accepted"


def test_sarif_escapes_and_masks_what_servers_sent(result: ScanResult):
    text = render(write_sarif, result)
    assert text.isascii()
    assert_no_secret(text)
    log = json.loads(text)
    messages = [r["message"]["text"] for r in log["runs"][0]["results"]]
    joined = "\n".join(messages)
    assert "\x1b" not in joined and "\u202e" not in joined and "\x00" not in joined
    assert "\\x1b[2J" in joined and "\\u202e" in joined
    assert all(len(m) < 2000 for m in messages)  # long evidence is cut
    notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert "\x1b" not in notes[0]["message"]["text"]


def fingerprints(scan: ScanResult) -> dict[tuple[str, str], str]:
    results = sarif_log(scan)["runs"][0]["results"]
    return {(r["ruleId"], r["message"]["text"][:40]): r["partialFingerprints"] for r in results}


def test_sarif_fingerprints_are_stable_across_scans(repo: Path):
    first = hostile_result(repo, scan_id="1" * 32, started=1_700_000_000.0)
    second = hostile_result(
        repo,
        scan_id="2" * 32,
        started=1_800_000_003.0,
        session="0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e",  # evidence quotes another session id
    )
    one, two = sarif_log(first)["runs"][0], sarif_log(second)["runs"][0]
    assert one["invocations"] != two["invocations"]  # the scans really differ
    prints_one = [r["partialFingerprints"] for r in one["results"]]
    prints_two = [r["partialFingerprints"] for r in two["results"]]
    assert prints_one == prints_two
    assert all(set(p) == {FINGERPRINT_KEY} for p in prints_one)
    values = [p[FINGERPRINT_KEY] for p in prints_one]
    assert len(set(values)) == len(values)  # distinct findings, distinct fingerprints
    assert all(re.fullmatch(r"[0-9a-f]{64}", v) for v in values)


def test_fingerprint_changes_with_the_rule_the_place_or_the_evidence():
    base = Finding(
        rule_id="R1",
        severity="high",
        title="t",
        evidence="Tool  says: IGNORE previous",
        location=Location(server="s", tool="t"),
    )
    same = Finding(
        rule_id="R1",
        severity="low",  # severity, title and confidence are not identity
        title="another title",
        evidence="tool says:\nignore   previous ",
        location=Location(server="s", tool="t", line=99),
    )
    assert finding_fingerprint(base) == finding_fingerprint(same)
    for other in (
        Finding(rule_id="R2", severity="high", title="t", evidence=base.evidence,
                location=base.location),
        Finding(rule_id="R1", severity="high", title="t", evidence=base.evidence,
                location=Location(server="s", tool="u")),
        Finding(rule_id="R1", severity="high", title="t", evidence="something else",
                location=base.location),
    ):  # fmt: skip
        assert finding_fingerprint(other) != finding_fingerprint(base)
    assert finding_fingerprint(base, "a.json") != finding_fingerprint(base, "b.json")


def test_fingerprint_is_not_a_hash_of_the_secret():
    one = Finding(rule_id="R", severity="high", title="t", evidence=f"key {GITHUB_TOKEN}")
    two = Finding(rule_id="R", severity="high", title="t", evidence=f"key {'ghp_' + 'Z' * 40}")
    assert finding_fingerprint(one) == finding_fingerprint(two)  # same length, masked alike
