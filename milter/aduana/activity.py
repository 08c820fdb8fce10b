"""Gathering a sender's activity from the counter store, before the engine runs.

This is I/O (the store may be Redis), so it lives beside the adapter; the
engine only sees the resulting SenderActivity.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from aduana.config.loader import Settings
from aduana.config.schema import Organisation
from aduana.facts import SenderActivity, TransactionFacts, WindowActivity
from aduana.observability.metrics import Metrics
from aduana.state import CounterStore, Fingerprinter


@dataclass
class PeakUsage:
    """The highest share of a window limit any sender used, forgotten after a window."""

    peaks: dict[int, tuple[float, float]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def observe(self, window: int, ratio: float, now: float) -> float:
        with self.lock:
            peak, at = self.peaks.get(window, (0.0, now))
            if ratio >= peak or now - at > window:
                peak, at = ratio, now
                self.peaks[window] = (peak, at)
            return peak


@dataclass
class ActivityCounter:
    store: CounterStore
    metrics: Metrics
    fingerprinter: Fingerprinter = field(default_factory=Fingerprinter)
    peaks: PeakUsage = field(default_factory=PeakUsage)

    def gather(
        self, settings: Settings, facts: TransactionFacts, text: Callable[[], str], now: float
    ) -> SenderActivity | None:
        """Record this message and return the sender's counts, this message included."""
        sender = facts.envelope.sender
        org = settings.organisation_of(sender)
        if org is None:
            return None
        rules = org.rules.mass_mailing
        windows = sorted({w.window for w in rules.rate.windows}) if rules.rate else []
        if not windows and rules.one_to_one is None:
            return None
        recipients = facts.envelope.recipients
        key = sender.casefold()
        activity: tuple[WindowActivity, ...] = ()
        if windows:
            counts = self.store.record_send(key, recipients, now, windows)
            activity = tuple(
                WindowActivity(c.window, c.messages, c.distinct_recipients) for c in counts.windows
            )
            self._observe_usage(org, facts, activity, now)
        near_duplicates = None
        one_to_one = rules.one_to_one
        if one_to_one is not None:
            fingerprint = self.fingerprinter.fingerprint(text())
            if fingerprint is not None:
                near_duplicates = self.store.record_fingerprint(
                    key, fingerprint, recipients, now, one_to_one.window
                )
        return SenderActivity(
            windows=activity,
            one_to_one_window=one_to_one.window if one_to_one else None,
            near_duplicate_recipients=near_duplicates,
        )

    def _observe_usage(
        self,
        org: Organisation,
        facts: TransactionFacts,
        activity: tuple[WindowActivity, ...],
        now: float,
    ) -> None:
        rate = org.rules.mass_mailing.rate
        if rate is None:
            return
        account = facts.identity.sender_account
        rank = account.rank if account is not None else org.ranks[0]
        for window in rate.windows:
            seen = next((a for a in activity if a.window == window.window), None)
            if seen is None:
                continue
            ratios = [0.0]
            messages = org.for_rank(window.max_messages, rank)
            if messages is not None:
                ratios.append(seen.messages / messages.limit)
            recipients = org.for_rank(window.max_recipients, rank)
            if recipients is not None:
                ratios.append(seen.distinct_recipients / recipients.limit)
            peak = self.peaks.observe(window.window, max(ratios), now)
            self.metrics.window_peak_usage.labels(window=str(window.window)).set(peak)
