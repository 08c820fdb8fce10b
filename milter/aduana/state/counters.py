"""The counter store protocol: rolling-window counts per sender.

The recipients and rate rules call a store once per message, at end of
message, and get back counts that already include that message.

Window semantics, shared by every backend: an event recorded at time ``t``
counts in a window of ``W`` seconds at time ``now`` when ``now - W < t``.
Recipients are counted once per window however many messages they got.

Exceptions::

    CounterStoreUnavailableError   the backend cannot be reached right now
                              (a Redis connection error or timeout); the
                              failover store answers from local counts instead.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from aduana.state.fingerprint import Fingerprint


class CounterStoreUnavailableError(Exception):
    """The shared backend did not answer; counts can be taken locally instead."""


@dataclass(frozen=True)
class WindowCount:
    """Messages and distinct recipients of one sender within one window."""

    window: int
    messages: int
    distinct_recipients: int


@dataclass(frozen=True)
class SendCounts:
    """One `WindowCount` per window asked for, in the order asked."""

    windows: tuple[WindowCount, ...]

    def for_window(self, window: int) -> WindowCount:
        for count in self.windows:
            if count.window == window:
                return count
        raise KeyError(window)


class CounterStore(Protocol):
    """Rolling-window counters. ``now`` is always passed in, never read inside."""

    def record_send(
        self,
        sender_key: str,
        recipients: Sequence[str],
        now: float,
        windows: Sequence[int],
        *,
        commit: bool = True,
    ) -> SendCounts:
        """Count one message to ``recipients``; return counts including it, per window.

        With ``commit=False`` nothing is stored: the counts are those the message
        would bring, so a message can be judged first and counted only once sent.
        """
        ...

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
        """Remember who got this content; return how many distinct recipients got it
        or a near-duplicate of it from this sender within ``window``, these included.

        With ``commit=False`` nothing is stored, as for `record_send`."""
        ...


@dataclass(frozen=True)
class IdentityHasher:
    """Keyed hash of addresses, so stores never hold a raw address.

    Every node sharing a store must use the same secret. A secret kept out of
    Redis means a dump of Redis cannot be matched against a list of addresses.
    """

    secret: bytes = b"aduana"

    def __call__(self, address: str) -> str:
        normalised = address.strip().strip("<>").casefold()
        digest = hmac.new(self.secret, normalised.encode(), hashlib.blake2b)
        return digest.hexdigest()[:32]


def validate_windows(windows: Sequence[int]) -> tuple[int, ...]:
    """Windows as a tuple of positive whole seconds, or ValueError."""
    if not windows:
        raise ValueError("at least one window is required")
    result = tuple(windows)
    if any(not isinstance(w, int) or w <= 0 for w in result):
        raise ValueError(f"windows must be positive whole seconds, got {result!r}")
    return result


def ttl_seconds(window: float) -> int:
    """Expiry to set on a key that holds events of a window."""
    return max(1, math.ceil(window))
