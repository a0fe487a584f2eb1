"""Settings: file < environment < flags, unknown keys rejected."""

from __future__ import annotations

from pathlib import Path

import pytest

from hawkeye_core import ConfigError, Level, load_settings


def test_defaults_are_the_seed_level_sizes_but_l3_which_waits_on_the_network(tmp_path: Path):
    # The seed's L3 was 5; sessions wait on the network, and 20 in flight
    # introspect servers 20 ms away 1.4-1.7x faster (benchmarks/introspect.py).
    settings, warnings = load_settings(cwd=tmp_path, environ={})
    assert dict(settings.levels) == {
        Level.SCAN: 50,
        Level.BATCH: 10,
        Level.INTROSPECT: 20,
        Level.ANALYSE: 3,
        Level.MONITOR: 1,
    }
    assert warnings == [] and settings.source == ""


def test_file_then_environment_then_flags_in_rising_precedence(tmp_path: Path):
    (tmp_path / "hawkeye.toml").write_text(
        "rate = 100\nhost_rate = 10\nlocal = false\n[levels]\nL1 = 200\nL3 = 7\n"
        "[plugin.example]\nmax_description = 500\n"
    )
    settings, _ = load_settings(
        cwd=tmp_path,
        environ={"HAWKEYE_RATE": "50", "HAWKEYE_LEVELS": "L1=300"},
        overrides={"levels": {"L1": 400}},
    )
    assert settings.rate == 50.0  # environment over file
    assert settings.host_rate == 10.0  # file only
    assert settings.local is False
    assert settings.levels[Level.SCAN] == 400  # flag over environment over file
    assert settings.levels[Level.INTROSPECT] == 7  # per-level keys merge
    assert settings.levels[Level.BATCH] == 10
    assert settings.plugin_options("example")["max_description"] == 500
    assert settings.source.endswith("hawkeye.toml")


def test_pyproject_tool_hawkeye_table_is_read(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n[tool.hawkeye]\nrate = 7\n')
    settings, _ = load_settings(cwd=tmp_path, environ={})
    assert settings.rate == 7.0


def test_a_pyproject_without_our_table_is_ignored(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    settings, _ = load_settings(cwd=tmp_path, environ={})
    assert settings.source == ""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rat = 5\n", "unknown setting 'rat'"),
        ("rate = -1\n", "rate must be greater than 0"),
        ("rate = 'fast'\n", "rate must be a number"),
        ("[levels]\nL9 = 4\n", "unknown level 'L9'"),
        ("[levels]\nL1 = 0\n", "at least 1"),
        ("local = 'maybe'\n", "local must be true or false"),
        ("breaker_threshold = 2.5\n", "breaker_threshold must be a whole number"),
        ("rate = [\n", "invalid TOML"),
    ],
)
def test_bad_settings_are_one_clear_error(tmp_path: Path, text: str, message: str):
    path = tmp_path / "hawkeye.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message) as err:
        load_settings(cwd=tmp_path, environ={})
    assert str(path) in str(err.value)
    assert "\n" not in str(err.value).strip()


def test_explicit_config_file_must_exist(tmp_path: Path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(config_file=tmp_path / "nope.toml", environ={})


def test_unknown_environment_variables_warn(tmp_path: Path):
    _, warnings = load_settings(cwd=tmp_path, environ={"HAWKEYE_RATEE": "5"})
    assert warnings == ["ignoring unknown environment variable HAWKEYE_RATEE"]


def test_environment_lists_and_paths(tmp_path: Path):
    settings, _ = load_settings(
        cwd=tmp_path,
        environ={
            "HAWKEYE_DISABLE_PLUGINS": "a, b",
            "HAWKEYE_LOAD_PLUGINS": "c",
            "HAWKEYE_PLUGINS_DIR": f"{tmp_path}/x:{tmp_path}/y",
            "HAWKEYE_TRACE_PLUGINS": "1",
        },
    )
    assert settings.disable_plugins == ("a", "b")
    assert settings.load_plugins == ("c",)
    assert settings.plugins_dir == (tmp_path / "x", tmp_path / "y")
    assert settings.trace_plugins is True


def test_plugin_options_are_read_only(tmp_path: Path):
    (tmp_path / "hawkeye.toml").write_text("[plugin.a]\nk = 1\nitems = [1, 2]\n")
    settings, _ = load_settings(cwd=tmp_path, environ={})
    with pytest.raises(TypeError):
        settings.plugin_options("a")["k"] = 2  # type: ignore[index]
    assert settings.plugin_options("a")["items"] == (1, 2)


def test_credentials_go_only_to_the_hosts_named_as_targets():
    from hawkeye_core import Settings

    settings = Settings(headers=(("Authorization", "Bearer t0k"),), credential_hosts=("mcp.lab",))
    assert settings.headers_for("https://mcp.lab:8443/mcp") == {"Authorization": "Bearer t0k"}
    assert settings.headers_for("http://10.0.0.7:8000/mcp") == {}
    assert Settings().headers_for("https://mcp.lab/mcp") == {}


def test_suppressions_need_a_rule_and_a_reason(tmp_path: Path):
    path = tmp_path / "hawkeye.toml"
    path.write_text('[[suppress]]\nrule = "HE-TP-001"\nreason = "ok"\nexpires = 2027-01-31\n')
    settings, _ = load_settings(cwd=tmp_path, environ={})
    [s] = settings.suppress
    assert (s.rule, s.reason, str(s.expires)) == ("HE-TP-001", "ok", "2027-01-31")
    path.write_text('[[suppress]]\nrule = "HE-TP-001"\n')
    with pytest.raises(ConfigError, match=r"suppress entry 1 \(HE-TP-001\) needs a reason"):
        load_settings(cwd=tmp_path, environ={})
    path.write_text('[[suppress]]\nrule = "X"\nreason = "r"\nuntil = 1\n')
    with pytest.raises(ConfigError, match="unknown keys"):
        load_settings(cwd=tmp_path, environ={})


def test_headers_are_parsed_and_cannot_smuggle_another():
    from hawkeye_core import parse_headers

    assert parse_headers(["X-Api-Key: abc ", "Accept:*/*"], "t0k") == (
        ("X-Api-Key", "abc"),
        ("Accept", "*/*"),
        ("Authorization", "Bearer t0k"),
    )
    for bad in (["NoColon"], ["X: a\r\nHost: evil"], [": empty-name"], ["Bad Name: x"]):
        with pytest.raises(ValueError, match="--header takes NAME:VALUE"):
            parse_headers(bad)
    with pytest.raises(ValueError, match="--bearer"):
        parse_headers([], "two words")
