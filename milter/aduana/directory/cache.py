"""A thread-safe, bounded cache of directory answers, with the time each was fetched.

It does not decide freshness itself: the caller compares ``fetched_at`` with the
TTLs, because the same entry is fresh for normal lookups and still usable as a
stale answer while the directory is down.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from aduana.directory.account import Account


@dataclass(frozen=True)
class CachedAnswer:
    account: Account | None
    fetched_at: float


class AnswerCache:
    """Answers keyed by lookup; the least recently stored go first when it is full."""

    def __init__(self, max_entries: int) -> None:
        self._max_entries = max_entries
        self._entries: OrderedDict[tuple[str, str], CachedAnswer] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str]) -> CachedAnswer | None:
        with self._lock:
            return self._entries.get(key)

    def put(self, key: tuple[str, str], answer: CachedAnswer) -> None:
        with self._lock:
            self._entries[key] = answer
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
