"""Automatic escalation: enough violations in a window suspend an account's sending.

Both policies allow suspension "de forma temporal o permanente de acuerdo con la
gravedad de la falta" (Edomex, Sanciones; SRE 18). Here a suspension lasts until
an administrator reverses it. The adapter refuses mail from a suspended sender
with the sanctions clause; `SendingSuspensions.is_suspended` answers from memory
so that check costs nothing per message.

After a reversal the account starts with a clean slate: only violations after the
reversal count towards the next suspension.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from aduana.clock import Clock
from aduana.ledger.last_send import address_key
from aduana.ledger.violations import Severity, Violation, ViolationLedger

MANUAL = "manual"
DEFAULT_REFRESH_SECONDS = 2.0


@dataclass(frozen=True)
class EscalationPolicy:
    """``threshold`` violations of ``severity`` within ``window_seconds`` suspend sending."""

    severity: Severity
    threshold: int
    window_seconds: int

    def __post_init__(self) -> None:
        if self.threshold < 1:
            raise ValueError(f"escalation threshold must be at least 1, not {self.threshold}")
        if self.window_seconds < 1:
            raise ValueError(f"escalation window must be positive, not {self.window_seconds}")

    @property
    def name(self) -> str:
        """Identifies the policy in the suspension record, e.g. ``escalation:high:3/86400s``."""
        return f"escalation:{self.severity}:{self.threshold}/{self.window_seconds}s"


@dataclass(frozen=True)
class Suspension:
    """An account's sending suspended since ``since``, until someone reverses it."""

    address: str
    reason: str
    since: datetime
    by_rule: str
    reversed_at: datetime | None = None
    reversed_by: str | None = None

    @property
    def active(self) -> bool:
        return self.reversed_at is None


class SuspensionStore(Protocol):
    """Where suspensions persist (`aduana.ledger.sqlite_store.SqliteLedger`)."""

    def open_suspension(self, suspension: Suspension) -> bool:
        """Store a new active suspension; False if the address already has one."""
        ...

    def close_suspension(self, address: str, by: str, at: datetime) -> Suspension | None:
        """Reverse the address's active suspension; None if it had none."""
        ...

    def active_suspensions(self) -> list[Suspension]: ...

    def last_reversal(self, address: str) -> datetime | None: ...


class SendingSuspensions:
    """Suspended senders, cached in memory and re-read at most every few seconds.

    The cache is refreshed from the store when it is older than
    ``refresh_seconds``, so a reversal made by another process (the CLI) takes
    effect here within that time; changes made through this object at once.
    """

    def __init__(
        self,
        store: SuspensionStore,
        *,
        refresh_seconds: float = DEFAULT_REFRESH_SECONDS,
        monotonic: Clock = time.monotonic,
    ) -> None:
        self._store = store
        self._refresh_seconds = refresh_seconds
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._refreshing = threading.Lock()
        self._active: dict[str, Suspension] = {}
        self._loaded_at: float | None = None

    def suspend(
        self, address: str, reason: str, at: datetime, *, by_rule: str = MANUAL
    ) -> Suspension | None:
        """Suspend the address's sending; None if it was already suspended."""
        suspension = Suspension(address_key(address), reason, at, by_rule)
        if not self._store.open_suspension(suspension):
            self._reload()
            return None
        with self._lock:
            self._active[suspension.address] = suspension
        return suspension

    def reverse(self, address: str, by: str, at: datetime) -> Suspension | None:
        """Lift the address's suspension; returns it as reversed, or None if there was none."""
        reversed_ = self._store.close_suspension(address_key(address), by, at)
        with self._lock:
            self._active.pop(address_key(address), None)
        return reversed_

    def is_suspended(self, address: str) -> bool:
        return self.active_for(address) is not None

    def active_for(self, address: str) -> Suspension | None:
        """The address's active suspension, from the cache."""
        self._refresh_if_stale()
        return self._active.get(address_key(address))

    def list_active(self) -> list[Suspension]:
        """Every active suspension, read from the store, oldest first."""
        return self._reload()

    def last_reversal(self, address: str) -> datetime | None:
        return self._store.last_reversal(address_key(address))

    def _refresh_if_stale(self) -> None:
        loaded_at = self._loaded_at
        if loaded_at is not None and self._monotonic() - loaded_at < self._refresh_seconds:
            return
        # One thread re-reads the store; the others answer from the cache meanwhile.
        if not self._refreshing.acquire(blocking=loaded_at is None):
            return
        try:
            self._reload()
        finally:
            self._refreshing.release()

    def _reload(self) -> list[Suspension]:
        now = self._monotonic()
        active = self._store.active_suspensions()
        with self._lock:
            self._active = {s.address: s for s in active}
            self._loaded_at = now
        return active


class Escalator:
    """Decides, after each recorded violation, whether the account must be suspended."""

    def __init__(
        self,
        policies: Sequence[EscalationPolicy],
        violations: ViolationLedger,
        suspensions: SendingSuspensions,
    ) -> None:
        self._policies = tuple(policies)
        self._violations = violations
        self._suspensions = suspensions

    def after_violation(self, violation: Violation) -> Suspension | None:
        """The new suspension this violation triggers, if any.

        Call it after ``violations.record(violation)``: the violation counts
        towards its own threshold. Returns None when no policy's threshold is
        reached or the account is already suspended.
        """
        matching = [p for p in self._policies if p.severity is violation.severity]
        if not matching or self._suspensions.is_suspended(violation.address):
            return None
        reversed_at = self._suspensions.last_reversal(violation.address)
        for policy in matching:
            since = violation.at - timedelta(seconds=policy.window_seconds)
            if reversed_at is not None and reversed_at > since:
                since = reversed_at
            count = self._violations.count(violation.address, policy.severity, since)
            if count >= policy.threshold:
                reason = (
                    f"{count} {policy.severity} violations within {policy.window_seconds} s; "
                    f"last: {violation.clause} ({violation.rule})"
                )
                return self._suspensions.suspend(
                    violation.address, reason, violation.at, by_rule=policy.name
                )
        return None
