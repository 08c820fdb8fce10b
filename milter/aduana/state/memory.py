"""In-memory counter store for a single node (the default).

Thread-safe: libmilter calls from one thread per connection, so every
operation holds one lock; each is a few dict operations long.

Memory is bounded three ways: expired events are pruned on every touch and by
a periodic sweep, the least recently active senders are evicted past
``max_senders``, and one sender keeps at most ``max_events_per_sender``
message times (its message count then saturates at that number, far above any
sane threshold).
"""

from __future__ import annotations

import bisect
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence

from aduana.state.counters import (
    IdentityHasher,
    SendCounts,
    WindowCount,
    validate_windows,
)
from aduana.state.fingerprint import Fingerprint


class _SenderLog:
    """Everything remembered about one sender; guarded by the store's lock."""

    __slots__ = ("bands", "fingerprint_retention", "message_times", "recipients", "send_retention")

    def __init__(self) -> None:
        self.message_times: list[float] = []
        self.recipients: dict[str, float] = {}
        self.send_retention = 0
        self.bands: dict[str, dict[str, float]] = {}
        self.fingerprint_retention = 0

    def prune_sends(self, now: float) -> None:
        cutoff = now - self.send_retention
        del self.message_times[: bisect.bisect_right(self.message_times, cutoff)]
        _prune_last_seen(self.recipients, cutoff)

    def prune_bands(self, now: float, band_keys: Iterable[str]) -> None:
        cutoff = now - self.fingerprint_retention
        for key in band_keys:
            seen = self.bands.get(key)
            if seen is not None:
                _prune_last_seen(seen, cutoff)
                if not seen:
                    del self.bands[key]

    @property
    def empty(self) -> bool:
        return not (self.message_times or self.recipients or self.bands)


class MemoryCounterStore:
    """`CounterStore` held in this process."""

    def __init__(
        self,
        *,
        hasher: IdentityHasher | None = None,
        max_senders: int = 100_000,
        max_events_per_sender: int = 100_000,
        sweep_interval: float = 60.0,
    ) -> None:
        self._hash = hasher or IdentityHasher()
        self._max_senders = max_senders
        self._max_events = max_events_per_sender
        self._sweep_interval = sweep_interval
        self._senders: OrderedDict[str, _SenderLog] = OrderedDict()
        self._last_sweep: float | None = None
        self._lock = threading.Lock()

    def record_send(
        self,
        sender_key: str,
        recipients: Sequence[str],
        now: float,
        windows: Sequence[int],
        *,
        commit: bool = True,
    ) -> SendCounts:
        windows = validate_windows(windows)
        recipient_keys = {self._hash(r) for r in recipients}
        with self._lock:
            log = self._touch(self._hash(sender_key), now)
            log.send_retention = max(windows)
            pending = 0 if commit else 1
            if commit:
                bisect.insort(log.message_times, now)
                if len(log.message_times) > self._max_events:
                    del log.message_times[0]
                _mark_seen(log.recipients, recipient_keys, now)
            log.prune_sends(now)
            counts = tuple(
                WindowCount(
                    window=w,
                    messages=pending
                    + len(log.message_times)
                    - bisect.bisect_right(log.message_times, now - w),
                    distinct_recipients=len(
                        {k for k, t in log.recipients.items() if t > now - w} | recipient_keys
                    ),
                )
                for w in windows
            )
        return SendCounts(windows=counts)

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
        (window,) = validate_windows([window])
        recipient_keys = {self._hash(r) for r in recipients}
        with self._lock:
            log = self._touch(self._hash(sender_key), now)
            log.fingerprint_retention = window
            log.prune_bands(now, fingerprint.band_keys)
            reached: set[str] = set(recipient_keys)
            for band_key in fingerprint.band_keys:
                if commit:
                    _mark_seen(log.bands.setdefault(band_key, {}), recipient_keys, now)
                reached.update(log.bands.get(band_key, {}))
        return len(reached)

    def _touch(self, sender_hash: str, now: float) -> _SenderLog:
        """The sender's log, marked most recently used; sweeps the store now and then."""
        if self._last_sweep is None or now - self._last_sweep >= self._sweep_interval:
            self._sweep(now)
        log = self._senders.get(sender_hash)
        if log is None:
            log = self._senders[sender_hash] = _SenderLog()
            while len(self._senders) > self._max_senders:
                self._senders.popitem(last=False)
        else:
            self._senders.move_to_end(sender_hash)
        return log

    def _sweep(self, now: float) -> None:
        self._last_sweep = now
        for sender_hash in list(self._senders):
            log = self._senders[sender_hash]
            log.prune_sends(now)
            log.prune_bands(now, list(log.bands))
            if log.empty:
                del self._senders[sender_hash]

    def tracked_senders(self) -> int:
        """How many senders are held right now (for tests and a gauge)."""
        with self._lock:
            return len(self._senders)


def _mark_seen(last_seen: dict[str, float], keys: Iterable[str], now: float) -> None:
    for key in keys:
        if last_seen.get(key, now) <= now:
            last_seen[key] = now


def _prune_last_seen(last_seen: dict[str, float], cutoff: float) -> None:
    for key in [k for k, t in last_seen.items() if t <= cutoff]:
        del last_seen[key]
