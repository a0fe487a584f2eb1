"""Turn what the user typed into :class:`Target` records, lazily.

Accepted, as nmap users expect: IPv4 and IPv6 addresses, CIDR blocks of either
family, ranges (``10.0.0.5-20``, ``10.0.0.5-10.0.1.7``), hostnames (every
address they resolve to), ``host:port``, ``http(s)://`` URLs (scanned at that
path), ``-iL FILE`` (one or more specs a line, ``#`` comments) and
``--from-nmap FILE`` (the hosts and open ports of an nmap XML report); and
``--exclude`` for addresses, blocks and ranges to skip.

Specs are checked up front: a bad one is a :class:`TargetError` naming it.
Blocks and ranges are expanded one address at a time, so a /8 is never a list
in memory; a :class:`TargetSet` can be iterated again and again.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

from attrs import Factory, define, frozen

from hawkeye_core.concurrency.cache import TTLCache
from hawkeye_core.records import Target

__all__ = [
    "LARGE_SWEEP",
    "TargetError",
    "TargetSet",
    "TargetSpec",
    "parse_target",
    "read_nmap_xml",
    "read_target_file",
]

log = logging.getLogger("hawkeye.targets")

#: A sweep over more addresses than this needs ``--allow-large``.
LARGE_SWEEP = 65_536

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class TargetError(ValueError):
    """A target cannot be used; the message names it."""


@frozen
class TargetSpec:
    """One parsed spec: an address range, or a host (name or address) with port/URL."""

    spec: str
    first: Address | None = None  # an address range, inclusive
    last: Address | None = None
    host: str | None = None
    port: int | None = None
    url: str | None = None

    @property
    def size(self) -> int:
        """How many addresses it covers (a hostname counts as one)."""
        if self.first is None or self.last is None:
            return 1
        return int(self.last) - int(self.first) + 1

    def addresses(self) -> Iterator[Address]:
        """Every address of the range, lazily (empty for a hostname)."""
        if self.first is None or self.last is None:
            return
        make = type(self.first)
        for value in range(int(self.first), int(self.last) + 1):
            yield make(value)

    def covers(self, address: Address) -> bool:
        if self.first is None or self.last is None:
            return self.host is not None and self.host == str(address)
        return address.version == self.first.version and int(self.first) <= int(address) <= int(
            self.last
        )


def _port(text: str, spec: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise TargetError(f"bad target {spec!r}: port must be 1-65535, not {text!r}")
    return int(text)


def _range(text: str, spec: str) -> TargetSpec | None:
    """``a.b.c.d-e``, ``a.b.c.d-w.x.y.z`` or the IPv6 equivalents; None if not a range."""
    start_text, sep, end_text = text.rpartition("-")
    if not sep or not start_text:
        return None
    try:
        first = ipaddress.ip_address(start_text)
    except ValueError:
        return None
    if end_text.isdigit() and first.version == 4 and int(end_text) > 255:
        raise TargetError(f"bad target {spec!r}: {end_text} is past the last octet")
    try:
        if end_text.isdigit() and first.version == 4:
            last: Address = ipaddress.ip_address(int(first) - int(first) % 256 + int(end_text))
        elif (
            first.version == 6
            and all(c in "0123456789abcdefABCDEF" for c in end_text)
            and (len(end_text) <= 4 and ":" not in end_text)
        ):
            last = ipaddress.ip_address(int(first) - int(first) % 65536 + int(end_text, 16))
        else:
            last = ipaddress.ip_address(end_text)
    except ValueError:
        raise TargetError(f"bad target {spec!r}: {end_text!r} does not end a range") from None
    if last.version != first.version or int(last) < int(first):
        raise TargetError(f"bad target {spec!r}: the range runs backwards or across families")
    return TargetSpec(text, first=first, last=last)


def parse_target(spec: str) -> TargetSpec:
    """Parse one target spec; raise :class:`TargetError` naming it if it is bad."""
    text = spec.strip()
    if not text:
        raise TargetError("bad target '': empty")
    if "://" in text:
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise TargetError(f"bad target {spec!r}: only http:// and https:// URLs are scanned")
        try:
            url_port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise TargetError(f"bad target {spec!r}: bad port") from None
        return TargetSpec(text, host=parts.hostname, port=url_port, url=text)
    if "/" in text:
        try:
            net = ipaddress.ip_network(text, strict=False)
        except ValueError as exc:
            raise TargetError(f"bad target {spec!r}: {exc}") from None
        return TargetSpec(text, first=net.network_address, last=net.broadcast_address)
    ranged = _range(text, spec)
    if ranged is not None:
        return ranged
    host: str = text
    port: int | None = None
    if text.startswith("["):  # [::1]:8000
        inner, _, rest = text[1:].partition("]")
        host = inner
        if rest:
            if not rest.startswith(":"):
                raise TargetError(f"bad target {spec!r}")
            port = _port(rest[1:], spec)
    elif text.count(":") == 1:
        host, _, port_text = text.partition(":")
        port = _port(port_text, spec)
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        if not _is_hostname(host):
            raise TargetError(
                f"bad target {spec!r}: not an address, network, range, hostname or URL"
            ) from None
        return TargetSpec(text, host=host.lower().rstrip("."), port=port)
    if port is None:
        return TargetSpec(text, first=address, last=address)
    return TargetSpec(text, host=str(address), port=port)


def _is_hostname(name: str) -> bool:
    name = name.rstrip(".")
    if not name or len(name) > 253:
        return False
    labels = name.split(".")
    return (
        all(
            0 < len(label) <= 63
            and label[0] != "-"
            and label[-1] != "-"
            and all(c.isalnum() or c in "-_" for c in label)
            for label in labels
        )
        and not labels[-1].isdigit()
    )


def read_target_file(path: Path) -> list[TargetSpec]:
    """Specs from an ``-iL`` file: whitespace-separated, ``#`` starts a comment."""
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise TargetError(f"target file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TargetError(f"cannot read target file {path}: {exc}") from None
    specs = []
    for number, line in enumerate(text.splitlines(), 1):
        for word in line.split("#", 1)[0].split():
            try:
                specs.append(parse_target(word))
            except TargetError as exc:
                raise TargetError(f"{path}:{number}: {exc}") from None
    return specs


def read_nmap_xml(path: Path) -> list[Target]:
    """The open TCP ports of the hosts that are up in an nmap XML report (``-oX``)."""
    try:
        root = ElementTree.parse(path).getroot()
    except FileNotFoundError:
        raise TargetError(f"nmap report not found: {path}") from None
    except (OSError, ElementTree.ParseError) as exc:
        raise TargetError(f"cannot read nmap report {path}: {exc}") from None
    if root.tag != "nmaprun":
        raise TargetError(f"{path} is not an nmap XML report (its root is <{root.tag}>)")
    targets = []
    for host in root.iter("host"):
        status = host.find("status")
        if status is not None and status.get("state") not in (None, "up"):
            continue
        addresses = [
            a.get("addr", "")
            for a in host.findall("address")
            if a.get("addrtype") in ("ipv4", "ipv6") and a.get("addr")
        ]
        for port in host.iter("port"):
            state = port.find("state")
            if port.get("protocol") != "tcp" or state is None or state.get("state") != "open":
                continue
            number = port.get("portid", "")
            if not number.isdigit() or not 0 < int(number) < 65536:
                continue
            for address in addresses:
                targets.append(Target(spec=f"{address}:{number}", host=address, port=int(number)))
    return targets


Resolver = Callable[[str], list[str]]


def _resolve(host: str) -> list[str]:
    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    seen: dict[str, None] = {}
    for info in infos:
        seen.setdefault(str(info[4][0]).split("%")[0], None)
    return list(seen)


@define
class TargetSet:
    """Every target of a run: parsed specs, targets given whole, and exclusions.

    Iterating yields one :class:`Target` per address, lazily, and can be done
    again. Hostnames resolve to every address (cached in ``cache`` for five
    minutes); one that does not resolve goes to ``on_error`` and is skipped.
    """

    specs: list[TargetSpec]
    given: list[Target] = Factory(list)
    exclude: list[TargetSpec] = Factory(list)
    cache: TTLCache[str, list[str]] | None = None
    resolver: Resolver = _resolve
    on_error: Callable[[str], None] | None = None

    @property
    def size(self) -> int:
        """How many addresses the specs cover, before exclusions."""
        return sum(spec.size for spec in self.specs) + len(self.given)

    def check_size(self, *, allow_large: bool) -> int:
        """Refuse sweeps over LARGE_SWEEP addresses unless ``allow_large``."""
        total = self.size
        if total > LARGE_SWEEP and not allow_large:
            raise TargetError(
                f"refusing to sweep {total:,} addresses (more than {LARGE_SWEEP:,}); "
                "pass --allow-large if you mean it"
            )
        return total

    def labels(self) -> list[str]:
        """The specs as the user gave them."""
        return [s.spec for s in self.specs] + [t.spec for t in self.given]

    def __iter__(self) -> Iterator[Target]:
        for target in self.given:
            if not self._excluded(target.host):
                yield target
        for spec in self.specs:
            if spec.first is not None:
                for address in spec.addresses():
                    if not self._excluded_address(address):
                        yield Target(spec=spec.spec, host=str(address))
                continue
            assert spec.host is not None
            if spec.url is not None:
                if not self._excluded(spec.host):
                    yield Target(spec=spec.spec, host=spec.host, port=spec.port, url=spec.url)
                continue
            for resolved in self._resolve(spec.host):
                if not self._excluded(resolved):
                    yield Target(spec=spec.spec, host=resolved, port=spec.port)

    def _excluded(self, host: str) -> bool:
        try:
            return self._excluded_address(ipaddress.ip_address(host))
        except ValueError:
            return any(e.host == host for e in self.exclude)

    def _excluded_address(self, address: Address) -> bool:
        return any(e.covers(address) for e in self.exclude)

    def _resolve(self, host: str) -> list[str]:
        try:
            ipaddress.ip_address(host)
            return [host]
        except ValueError:
            pass
        try:
            if self.cache is None:
                return self.resolver(host)
            return self.cache.get_or_set(f"dns:{host}", lambda: self.resolver(host), ttl=300.0)
        except OSError as exc:
            message = f"target {host!r} does not resolve: {exc.strerror or exc}"
            log.warning(message)
            if self.on_error is not None:
                self.on_error(message)
            return []


def build_target_set(
    targets: Iterable[str] = (),
    *,
    target_files: Iterable[Path] = (),
    nmap_reports: Iterable[Path] = (),
    exclude: Iterable[str] = (),
    cache: TTLCache[str, list[str]] | None = None,
    resolver: Resolver = _resolve,
    on_error: Callable[[str], None] | None = None,
) -> TargetSet:
    """Parse everything the user named into a :class:`TargetSet`.

    ``exclude`` takes comma-separated specs; excluded hostnames are resolved
    now, so every address they name is skipped.
    """
    specs = [parse_target(t) for t in targets]
    for path in target_files:
        specs.extend(read_target_file(path))
    given = [t for path in nmap_reports for t in read_nmap_xml(path)]
    excluded: list[TargetSpec] = []
    for item in exclude:
        for word in item.split(","):
            if not word.strip():
                continue
            spec = parse_target(word)
            if spec.host is not None and spec.url is None:
                try:
                    for address in resolver(spec.host):
                        excluded.append(parse_target(address))
                except OSError as exc:
                    raise TargetError(
                        f"excluded host {spec.host!r} does not resolve: {exc}"
                    ) from None
            excluded.append(spec)
    return TargetSet(specs, given, excluded, cache=cache, resolver=resolver, on_error=on_error)
