"""What the engine needs from the operating system: file descriptors, a poller, errno names.

Kept apart from the engine so its hot loop reads as the algorithm, and so the
platform differences (``epoll`` or another selector, ``SOCK_NONBLOCK`` or a
``setblocking`` call) live in one place.
"""

from __future__ import annotations

import errno
import logging
import select
import selectors
import socket
import struct
from collections.abc import Callable
from typing import Any

__all__ = [
    "CLOSED_ERRORS",
    "LINGER_RESET",
    "LOCAL_SHORTAGE",
    "NONBLOCK",
    "Poller",
    "errno_name",
    "make_poller",
]

log = logging.getLogger("hawkeye.plugin.scan_tcp")

#: ``SO_LINGER`` on, 0 s: ``close()`` sends RST, so no socket lingers in TIME_WAIT.
LINGER_RESET = struct.pack("ii", 1, 0)

#: Flag OR-ed into the socket type to get a non-blocking socket in one call (0 if absent).
NONBLOCK: int = getattr(socket, "SOCK_NONBLOCK", 0)

#: A port that answered with a reset: nothing listens there.
CLOSED_ERRORS = frozenset({errno.ECONNREFUSED, errno.ECONNRESET})

#: This machine ran out of something (descriptors, ephemeral ports, buffers): try later.
LOCAL_SHORTAGE = frozenset(
    {errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM, errno.EADDRNOTAVAIL, errno.EAGAIN}
)


def errno_name(code: int) -> str:
    """``ECONNREFUSED`` for 111; ``errno 999`` for a code without a name."""
    return errno.errorcode.get(code, f"errno {code}")


class Poller:
    """The readiness API the engine uses, over ``select.epoll`` or a ``selectors`` selector.

    ``register(fd, write_mask)`` watches a connecting socket for writability;
    ``poll(timeout, maxevents)`` returns ``(fd, flags)`` pairs, where
    ``flags == write_mask`` means the connect succeeded without error and any
    other value means "ask the socket" (``SO_ERROR``). With epoll a closed
    socket leaves the set by itself; other selectors need ``unregister``
    first (``needs_unregister``). ``max_fds`` caps the sockets it can watch.
    """

    def __init__(
        self,
        *,
        register: Callable[[int, int], Any],
        poll: Callable[[float, int], list[tuple[int, int]]],
        close: Callable[[], None],
        write_mask: int,
        unregister: Callable[[int], Any] | None = None,
        max_fds: int | None = None,
    ) -> None:
        self.register = register
        self.poll = poll
        self.close = close
        self.write_mask = write_mask
        self.needs_unregister = unregister is not None
        self.unregister: Callable[[int], Any] = unregister or (lambda fd: None)
        self.max_fds = max_fds


def make_poller(force_selector: bool = False) -> Poller:
    """An epoll-backed poller where epoll exists, else one over ``selectors.DefaultSelector``."""
    epoll_class = getattr(select, "epoll", None)
    if epoll_class is not None and not force_selector:
        epoll = epoll_class()
        return Poller(
            register=epoll.register,
            poll=epoll.poll,
            close=epoll.close,
            write_mask=select.EPOLLOUT,
        )
    selector = selectors.DefaultSelector()

    def register(fd: int, mask: int) -> None:
        selector.register(fd, selectors.EVENT_WRITE)

    def poll(timeout: float, maxevents: int) -> list[tuple[int, int]]:
        # Flags -1: selectors do not say whether a connect failed, so always ask.
        return [(key.fd, -1) for key, _ in selector.select(max(timeout, 0.0))[:maxevents]]

    return Poller(
        register=register,
        poll=poll,
        close=selector.close,
        write_mask=selectors.EVENT_WRITE,
        unregister=selector.unregister,
        max_fds=500 if isinstance(selector, selectors.SelectSelector) else None,
    )
