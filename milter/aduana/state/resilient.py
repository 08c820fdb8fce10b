"""Keep counting when the shared store is down, and come back by itself.

`FailoverCounterStore` sends every call to the primary (Redis). When the
primary raises `CounterStoreUnavailableError`, the call is answered by the fallback
(memory) instead, the store reports ``DEGRADED`` once, and the primary is left
alone for a back-off that doubles on each retry, up to a cap. The first call
after the back-off probes the primary again (one caller, not every thread); if it answers, the store
reports ``HEALTHY`` once and carries on. No exception other than
`CounterStoreUnavailableError` is caught.

By default every message is also recorded in the fallback while the primary is
healthy, so an outage in the middle of a mass mailing starts from this node's
own counts instead of from zero. Counts taken locally during an outage are not
copied back to the primary.

Back-off timing uses the ``now`` passed to each call, so there is no clock to
inject and tests drive recovery with a fixed clock.
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from aduana.state.counters import CounterStore, CounterStoreUnavailableError, SendCounts
from aduana.state.fingerprint import Fingerprint

_T = TypeVar("_T")


class StoreState(enum.Enum):
    HEALTHY = "healthy"
    DEGRADED = "degraded"


@dataclass(frozen=True)
class StoreStateChange:
    """Passed to ``on_state_change`` on each transition (for a metric and a log event)."""

    state: StoreState
    at: float
    reason: str
    """Why the primary was given up (the error), or '' on recovery."""


class FailoverCounterStore:
    """`CounterStore` that prefers ``primary`` and falls back to ``fallback``."""

    def __init__(
        self,
        primary: CounterStore,
        fallback: CounterStore,
        on_state_change: Callable[[StoreStateChange], None],
        *,
        retry_after: float = 5.0,
        max_retry_after: float = 60.0,
        mirror_to_fallback: bool = True,
    ) -> None:
        self._primary = primary
        self._fallback = fallback
        self._on_state_change = on_state_change
        self._base_backoff = retry_after
        self._max_backoff = max_retry_after
        self._mirror = mirror_to_fallback
        self._lock = threading.Lock()
        self._state = StoreState.HEALTHY
        self._backoff = retry_after
        self._retry_at = 0.0

    @property
    def state(self) -> StoreState:
        with self._lock:
            return self._state

    def record_send(
        self,
        sender_key: str,
        recipients: Sequence[str],
        now: float,
        windows: Sequence[int],
        *,
        commit: bool = True,
    ) -> SendCounts:
        return self._call(
            lambda store: store.record_send(sender_key, recipients, now, windows, commit=commit),
            now,
        )

    def record_fingerprint(
        self,
        sender_key: str,
        fingerprint: Fingerprint,
        recipients: Sequence[str],
        now: float,
        window: int,
        *,
        commit: bool = True,
    ) -> int:
        return self._call(
            lambda store: store.record_fingerprint(
                sender_key, fingerprint, recipients, now, window, commit=commit
            ),
            now,
        )

    def _call(self, operation: Callable[[CounterStore], _T], now: float) -> _T:
        if self._primary_due(now):
            try:
                result = operation(self._primary)
            except CounterStoreUnavailableError as error:
                self._primary_failed(now, error)
            else:
                self._primary_answered(now)
                if self._mirror:
                    operation(self._fallback)
                return result
        return operation(self._fallback)

    def _primary_due(self, now: float) -> bool:
        """True when the primary should be asked; while degraded, one caller per
        back-off period gets to probe it."""
        with self._lock:
            if self._state is StoreState.HEALTHY:
                return True
            last_attempt = self._retry_at - self._backoff
            # A clock that jumped backwards must not postpone recovery indefinitely.
            if now < self._retry_at and now >= last_attempt:
                return False
            self._backoff = min(self._backoff * 2, self._max_backoff)
            self._retry_at = now + self._backoff
            return True

    def _primary_failed(self, now: float, error: CounterStoreUnavailableError) -> None:
        with self._lock:
            if self._state is StoreState.DEGRADED:
                return
            self._state = StoreState.DEGRADED
            self._backoff = self._base_backoff
            self._retry_at = now + self._backoff
        self._on_state_change(StoreStateChange(StoreState.DEGRADED, now, str(error)))

    def _primary_answered(self, now: float) -> None:
        with self._lock:
            if self._state is StoreState.HEALTHY:
                return
            self._state = StoreState.HEALTHY
            self._backoff = self._base_backoff
        self._on_state_change(StoreStateChange(StoreState.HEALTHY, now, ""))
