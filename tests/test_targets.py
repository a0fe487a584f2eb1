"""Targets and ports: what nmap users type, parsed and expanded lazily."""

from __future__ import annotations

import itertools
import tracemalloc
from pathlib import Path

import pytest

from hawkeye_core.ports import MCP_PORTS, parse_ports, top_ports
from hawkeye_core.targets import (
    TargetError,
    build_target_set,
    parse_target,
    read_nmap_xml,
)


def hosts(*specs: str, **kw) -> list[str]:
    return [t.host for t in build_target_set(specs, resolver=lambda h: ["127.0.0.9"], **kw)]


def test_addresses_networks_and_ranges_of_both_families():
    assert hosts("192.0.2.7") == ["192.0.2.7"]
    assert hosts("192.0.2.0/30") == ["192.0.2.0", "192.0.2.1", "192.0.2.2", "192.0.2.3"]
    assert hosts("10.0.0.5-7") == ["10.0.0.5", "10.0.0.6", "10.0.0.7"]
    assert hosts("10.0.0.254-10.0.1.1") == ["10.0.0.254", "10.0.0.255", "10.0.1.0", "10.0.1.1"]
    assert hosts("2001:db8::/126") == ["2001:db8::", "2001:db8::1", "2001:db8::2", "2001:db8::3"]
    assert hosts("2001:db8::1-3") == ["2001:db8::1", "2001:db8::2", "2001:db8::3"]
    assert hosts("::1") == ["::1"]


def test_hostnames_resolve_to_every_address_and_urls_keep_their_path():
    resolved = build_target_set(["db.internal"], resolver=lambda h: ["192.0.2.1", "2001:db8::1"])
    assert [(t.host, t.spec) for t in resolved] == [
        ("192.0.2.1", "db.internal"),
        ("2001:db8::1", "db.internal"),
    ]
    [url] = build_target_set(["https://mcp.example:8443/api/mcp"])
    assert (url.host, url.port, url.url) == (
        "mcp.example",
        8443,
        "https://mcp.example:8443/api/mcp",
    )
    [hp] = build_target_set(["[::1]:8000"])
    assert (hp.host, hp.port) == ("::1", 8000)


def test_unresolvable_hosts_are_reported_and_skipped():
    errors: list[str] = []

    def resolver(host: str) -> list[str]:
        raise OSError(-2, "Name or service not known")

    targets = build_target_set(
        ["nope.invalid", "192.0.2.1"], resolver=resolver, on_error=errors.append
    )
    assert [t.host for t in targets] == ["192.0.2.1"]
    assert errors == ["target 'nope.invalid' does not resolve: Name or service not known"]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("10.0.0.300", "not an address"),
        ("10.0.0.9-3", "runs backwards"),
        ("10.0.0.5-300", "past the last octet"),
        ("10.0.0.0/33", "bad target '10.0.0.0/33'"),
        ("ftp://x", "only http:// and https://"),
        ("host:99999", "port must be 1-65535"),
        ("under score!", "not an address"),
    ],
)
def test_bad_targets_name_themselves(spec, message):
    with pytest.raises(TargetError, match=message):
        parse_target(spec)


def test_exclude_skips_addresses_blocks_ranges_and_hosts():
    got = hosts("192.0.2.0/29", exclude=["192.0.2.0,192.0.2.4/31", "192.0.2.6-7"])
    assert got == ["192.0.2.1", "192.0.2.2", "192.0.2.3"]
    # an excluded hostname skips the addresses it resolves to
    assert hosts("127.0.0.8-10", exclude=["gateway.lan"]) == ["127.0.0.8", "127.0.0.10"]


def test_a_slash_eight_is_never_a_list_in_memory():
    target_set = build_target_set(["10.0.0.0/8"])
    assert target_set.size == 2**24
    tracemalloc.start()
    try:
        first = list(itertools.islice(target_set, 3))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [t.host for t in first] == ["10.0.0.0", "10.0.0.1", "10.0.0.2"]
    assert peak < 1_000_000


def test_large_sweeps_need_allow_large():
    with pytest.raises(TargetError, match=r"refusing to sweep 131,072 addresses"):
        build_target_set(["10.0.0.0/16", "10.1.0.0/16"]).check_size(allow_large=False)
    assert build_target_set(["10.0.0.0/16"]).check_size(allow_large=False) == 65_536
    assert build_target_set(["10.0.0.0/8"]).check_size(allow_large=True) == 2**24


def test_a_target_set_can_be_iterated_again():
    target_set = build_target_set(["192.0.2.0/31"])
    assert (
        [t.host for t in target_set] == [t.host for t in target_set] == ["192.0.2.0", "192.0.2.1"]
    )


def test_target_files_take_comments_and_several_specs_a_line(tmp_path: Path):
    path = tmp_path / "targets.txt"
    path.write_text("# lab hosts\n192.0.2.1 192.0.2.2  # two on a line\n\n192.0.2.8/31\n")
    got = [t.host for t in build_target_set(target_files=[path])]
    assert got == ["192.0.2.1", "192.0.2.2", "192.0.2.8", "192.0.2.9"]
    path.write_text("192.0.2.1\nnot a host!\n")
    with pytest.raises(TargetError, match=r"targets.txt:2: bad target 'host!'"):
        build_target_set(target_files=[path])
    with pytest.raises(TargetError, match="target file not found"):
        build_target_set(target_files=[tmp_path / "missing.txt"])


NMAP_XML = """<?xml version="1.0"?>
<nmaprun scanner="nmap" args="nmap -sT -oX - 192.0.2.0/30">
  <host><status state="up"/><address addr="192.0.2.1" addrtype="ipv4"/>
    <ports>
      <port protocol="tcp" portid="8000"><state state="open"/></port>
      <port protocol="tcp" portid="22"><state state="closed"/></port>
      <port protocol="udp" portid="53"><state state="open"/></port>
    </ports></host>
  <host><status state="down"/><address addr="192.0.2.2" addrtype="ipv4"/>
    <ports><port protocol="tcp" portid="80"><state state="open"/></port></ports></host>
  <host><status state="up"/><address addr="2001:db8::5" addrtype="ipv6"/>
    <address addr="00:11:22:33:44:55" addrtype="mac"/>
    <ports><port protocol="tcp" portid="3000"><state state="open"/></port></ports></host>
</nmaprun>
"""


def test_nmap_xml_gives_the_open_tcp_ports_of_hosts_that_are_up(tmp_path: Path):
    path = tmp_path / "scan.xml"
    path.write_text(NMAP_XML)
    assert [(t.host, t.port) for t in read_nmap_xml(path)] == [
        ("192.0.2.1", 8000),
        ("2001:db8::5", 3000),
    ]
    path.write_text("<html>not nmap</html>")
    with pytest.raises(TargetError, match="is not an nmap XML report"):
        read_nmap_xml(path)
    path.write_text("<nmaprun><host>")
    with pytest.raises(TargetError, match="cannot read nmap report"):
        read_nmap_xml(path)


def test_port_specs_as_nmap_takes_them():
    assert list(parse_ports("22,80-82,8000")) == [22, 80, 81, 82, 8000]
    assert len(parse_ports("-")) == 65535 and 65535 in parse_ports("-")
    assert list(parse_ports("-3")) == [1, 2, 3]
    assert list(parse_ports("65534-")) == [65534, 65535]
    assert list(parse_ports("80,80,79-81")) == [80, 79, 81]  # each port once
    assert list(parse_ports("T:443")) == [443]
    for bad in ("0", "70000", "10-5", "http", ""):
        with pytest.raises(ValueError, match="bad port spec"):
            parse_ports(bad)


def test_the_mcp_preset_is_ordered_and_top_ports_takes_its_head():
    assert MCP_PORTS[0] == 8000 and len(set(MCP_PORTS)) == len(MCP_PORTS)
    assert list(top_ports(3)) == list(MCP_PORTS[:3])
    assert len(top_ports(10_000)) == len(MCP_PORTS)


def test_the_preset_documented_is_the_preset_scanned():
    import re

    text = (Path(__file__).parent.parent / "docs" / "configuration.md").read_text()
    section = text.split("## The MCP port preset", 1)[1].split("\n## ", 1)[0]
    documented = [int(m) for m in re.findall(r"^\| \d+ \| (\d+) \|", section, re.M)]
    assert documented == list(MCP_PORTS)
