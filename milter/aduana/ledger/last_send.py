"""The last authenticated send of every account, for the inactivity report.

Every authenticated message calls `record_send`, so it must be cheap: a
`WriteThrottle` in front of each backend writes an account's time at most once
per interval (ten minutes by default) and answers the other calls from memory.
The stored time can therefore lag the true last send by up to that interval,
which is nothing against a six-month inactivity threshold.

Addresses are stored casefolded; times are aware datetimes, stored as UTC
microseconds since the epoch and returned in UTC. A stored time only moves
forward, so sends recorded out of order never make an account look older.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Protocol

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
DEFAULT_WRITE_INTERVAL = timedelta(minutes=10)


class LedgerUnavailableError(Exception):
    """The ledger's backend could not be reached or written (locked, down, full)."""


class LastSendLedger(Protocol):
    """Records and answers the last authenticated send of each account."""

    def record_send(self, address: str, at: datetime) -> None: ...

    def last_activity(self, address: str) -> datetime | None: ...

    def all_last_activity(self) -> Mapping[str, datetime]: ...


def address_key(address: str) -> str:
    return address.strip().casefold()


def require_aware(at: datetime) -> None:
    """Ledger times carry their zone: a naive one would be read as local time."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"ledger times must be timezone-aware: {at!r}")


def to_micros(at: datetime) -> int:
    """An aware datetime as whole microseconds since the epoch (exact, sortable)."""
    require_aware(at)
    return (at - _EPOCH) // timedelta(microseconds=1)


def from_micros(micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=micros)


class WriteThrottle:
    """Lets a write through at most once per interval per address."""

    def __init__(self, interval: timedelta = DEFAULT_WRITE_INTERVAL) -> None:
        self._interval = interval
        self._written: dict[str, datetime] = {}
        self._lock = threading.Lock()

    def admit(self, key: str, at: datetime) -> bool:
        """Whether ``at`` should be written for ``key``; if so it counts as written."""
        with self._lock:
            previous = self._written.get(key)
            if previous is not None and at - previous < self._interval:
                return False
            self._written[key] = at
            return True

    def forget(self, key: str, at: datetime) -> None:
        """Undo `admit` after a failed write, so the next send tries again."""
        with self._lock:
            if self._written.get(key) == at:
                del self._written[key]
