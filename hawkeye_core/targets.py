"""Turn what the user typed into :class:`Target` records, lazily.

Accepted: IPv4 and IPv6 addresses, CIDR blocks of either family, hostnames
(every address they resolve to), ``host:port`` and ``http(s)://`` URLs. Specs
are checked up front (a bad one is a :class:`TargetError` naming it); address
blocks are expanded one address at a time, so a /8 is never a list in memory.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from collections.abc import Callable, Iterable, Iterator
from urllib.parse import urlsplit

from attrs import frozen

from hawkeye_core.concurrency.cache import TTLCache
from hawkeye_core.records import Target

__all__ = ["LARGE_SWEEP", "TargetError", "TargetSpec", "expand_targets", "parse_target"]

log = logging.getLogger("hawkeye.targets")

#: A sweep over more addresses than this needs ``--allow-large``.
LARGE_SWEEP = 65_536

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class TargetError(ValueError):
    """A target cannot be used; the message names it."""


@frozen
class TargetSpec:
    """One parsed target spec: a network, or a host (name or address) with port/URL."""

    spec: str
    network: Network | None = None
    host: str | None = None
    port: int | None = None
    url: str | None = None

    @property
    def size(self) -> int:
        """How many addresses it covers (a hostname counts as one)."""
        return self.network.num_addresses if self.network is not None else 1


def _port(text: str, spec: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise TargetError(f"bad target {spec!r}: port must be 1-65535, not {text!r}")
    return int(text)


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
            return TargetSpec(text, network=ipaddress.ip_network(text, strict=False))
        except ValueError as exc:
            raise TargetError(f"bad target {spec!r}: {exc}") from None
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
                f"bad target {spec!r}: not an address, network, hostname or URL"
            ) from None
        return TargetSpec(text, host=host.lower().rstrip("."), port=port)
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
            and all(c.isalnum() or c == "-" for c in label)
            for label in labels
        )
        and not labels[-1].isdigit()
    )


Resolver = Callable[[str], list[str]]


def _resolve(host: str) -> list[str]:
    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    seen: dict[str, None] = {}
    for info in infos:
        seen.setdefault(str(info[4][0]).split("%")[0], None)
    return list(seen)


def expand_targets(
    specs: Iterable[TargetSpec],
    *,
    cache: TTLCache[str, list[str]] | None = None,
    resolver: Resolver = _resolve,
    on_error: Callable[[str], None] | None = None,
) -> Iterator[Target]:
    """Yield one :class:`Target` per address, lazily.

    Hostnames resolve to every address (cached in ``cache`` for five
    minutes); one that does not resolve is passed to ``on_error`` and skipped.
    """
    for spec in specs:
        if spec.network is not None:
            for address in spec.network:  # every address, as nmap does
                yield Target(spec=spec.spec, host=str(address))
            continue
        assert spec.host is not None
        if spec.url is not None:
            yield Target(spec=spec.spec, host=spec.host, port=spec.port, url=spec.url)
            continue
        try:
            ipaddress.ip_address(spec.host)
            addresses = [spec.host]
        except ValueError:
            addresses = _cached_resolve(spec.host, cache, resolver, on_error)
        for resolved in addresses:
            yield Target(spec=spec.spec, host=resolved, port=spec.port)


def _cached_resolve(
    host: str,
    cache: TTLCache[str, list[str]] | None,
    resolver: Resolver,
    on_error: Callable[[str], None] | None,
) -> list[str]:
    try:
        if cache is None:
            return resolver(host)
        return cache.get_or_set(f"dns:{host}", lambda: resolver(host), ttl=300.0)
    except OSError as exc:
        message = f"target {host!r} does not resolve: {exc.strerror or exc}"
        log.warning(message)
        if on_error is not None:
            on_error(message)
        return []


def check_sweep_size(specs: Iterable[TargetSpec], *, allow_large: bool) -> int:
    """Total addresses covered; raise :class:`TargetError` past LARGE_SWEEP without allow_large."""
    total = sum(spec.size for spec in specs)
    if total > LARGE_SWEEP and not allow_large:
        raise TargetError(
            f"refusing to sweep {total:,} addresses (more than {LARGE_SWEEP:,}); "
            "pass --allow-large if you mean it"
        )
    return total
