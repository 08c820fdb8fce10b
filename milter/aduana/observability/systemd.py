"""sd_notify without libsystemd: tell systemd (``Type=notify``) what the daemon is doing.

systemd passes ``$NOTIFY_SOCKET``, an AF_UNIX datagram socket: a path, or an
abstract name written with a leading ``@``. Each message is newline-separated
``KEY=VALUE`` assignments (see sd_notify(3)). Outside systemd the variable is
unset and every call is a no-op that returns False.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Mapping

NOTIFY_SOCKET = "NOTIFY_SOCKET"


def _monotonic_usec() -> int:
    # systemd compares MONOTONIC_USEC with its own CLOCK_MONOTONIC reading.
    return time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000


def _socket_address(value: str) -> str | None:
    if value.startswith("@"):
        return "\0" + value[1:]
    if value.startswith("/"):
        return value
    # vsock: addresses (systemd >= 254, for VMs) are not supported here.
    return None


def notify(state: str, environ: Mapping[str, str] = os.environ) -> bool:
    """Send ``state`` to systemd; True when it was delivered.

    False when not started by systemd (no ``$NOTIFY_SOCKET``), when the address
    is of an unsupported kind, or when the datagram could not be sent: as with
    sd_notify(3), a notification is never a reason for the daemon to fail.
    """
    address = _socket_address(environ.get(NOTIFY_SOCKET, ""))
    if address is None:
        return False
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
        try:
            sock.connect(address)
            sock.sendall(state.encode("utf-8"))
        except OSError:
            return False
    return True


def _one_line(text: str) -> str:
    return " ".join(text.split())


def ready(status_text: str = "", environ: Mapping[str, str] = os.environ) -> bool:
    """Start-up finished (or a reload finished): the milter accepts connections."""
    state = "READY=1"
    if status_text:
        state += f"\nSTATUS={_one_line(status_text)}"
    return notify(state, environ)


def reloading(
    environ: Mapping[str, str] = os.environ,
    monotonic_usec: Callable[[], int] = _monotonic_usec,
) -> bool:
    """A reload has begun; follow it with ``ready()`` when it is over, whatever its result.

    MONOTONIC_USEC lets systemd >= 253 match this message to the reload it asked for.
    """
    return notify(f"RELOADING=1\nMONOTONIC_USEC={monotonic_usec()}", environ)


def stopping(environ: Mapping[str, str] = os.environ) -> bool:
    """Shutdown has begun."""
    return notify("STOPPING=1", environ)


def status(text: str, environ: Mapping[str, str] = os.environ) -> bool:
    """A one-line status shown by ``systemctl status aduana``."""
    return notify(f"STATUS={_one_line(text)}", environ)


def watchdog(environ: Mapping[str, str] = os.environ) -> bool:
    """Keep-alive ping; only meaningful when the unit sets ``WatchdogSec=``."""
    return notify("WATCHDOG=1", environ)
