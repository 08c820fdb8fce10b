"""Send counts: a sender's rolling-window counts and one-to-one fingerprints,
gathered from the counter store before the engine runs.

This is I/O (the store may be Redis), so it lives in the gateway; the
engine only sees the resulting SenderActivity. The counts include the message
being judged, but the message is stored only once the verdict sends it
(`SendCounter.record`): a refused message was not sent.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from aduana.config.loader import Settings
from aduana.config.schema import Organisation
from aduana.observability.metrics import Metrics
from aduana.policy.facts import SenderActivity, TransactionFacts, WindowActivity
from aduana.policy.organisations import organisation_by_id
from aduana.policy.ranks import for_rank
from aduana.policy.verdict import Action, Verdict
from aduana.state import CounterStore, Fingerprint, Fingerprinter

SENT = (Action.ACCEPT, Action.TAG, Action.QUARANTINE)
"""Verdicts under which a message leaves (or will leave, once released) the gateway."""


@dataclass(frozen=True)
class PendingSend:
    """What to store about a message once its verdict sends it."""

    key: str
    recipients: tuple[str, ...]
    at: float
    windows: tuple[int, ...]
    fingerprint: Fingerprint | None = None
    fingerprint_window: int = 0


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
class SendCounter:
    store: CounterStore
    metrics: Metrics
    fingerprinter: Fingerprinter = field(default_factory=Fingerprinter)
    peaks: PeakUsage = field(default_factory=PeakUsage)

    def gather(
        self, settings: Settings, facts: TransactionFacts, text: Callable[[], str], now: float
    ) -> tuple[SenderActivity | None, PendingSend | None]:
        """The sender's counts with this message included, and what to store once it is sent.

        The sender is the answerable account when there is one (an authenticated
        null sender counts against its login), else the envelope sender.
        """
        provenance = facts.provenance
        org = (
            organisation_by_id(settings, provenance.organisation)
            if provenance.organisation
            else None
        )
        if org is None or provenance.bounce:
            return None, None
        rules = org.rules.mass_mailing
        windows = tuple(sorted({w.window for w in rules.rate.windows})) if rules.rate else ()
        if not windows and rules.one_to_one is None:
            return None, None
        account = provenance.account
        key = (account.address if account is not None else facts.envelope.sender).casefold()
        recipients = facts.envelope.recipients
        activity: tuple[WindowActivity, ...] = ()
        if windows:
            counts = self.store.record_send(key, recipients, now, windows, commit=False)
            activity = tuple(
                WindowActivity(c.window, c.messages, c.distinct_recipients) for c in counts.windows
            )
            self._observe_usage(org, facts, activity, now)
        near_duplicates = None
        fingerprint = None
        one_to_one = rules.one_to_one
        if one_to_one is not None:
            fingerprint = self.fingerprinter.fingerprint(text())
            if fingerprint is not None:
                near_duplicates = self.store.record_fingerprint(
                    key, fingerprint, recipients, now, one_to_one.window, commit=False
                )
        pending = PendingSend(
            key, recipients, now, windows, fingerprint, one_to_one.window if one_to_one else 0
        )
        activity_facts = SenderActivity(
            windows=activity,
            one_to_one_window=one_to_one.window if one_to_one else None,
            near_duplicate_recipients=near_duplicates,
        )
        return activity_facts, pending

    def record(self, pending: PendingSend | None, verdict: Verdict) -> None:
        """Store a message in the windows and fingerprints, if its verdict sends it."""
        if pending is None or verdict.action not in SENT:
            return
        if pending.windows:
            self.store.record_send(pending.key, pending.recipients, pending.at, pending.windows)
        if pending.fingerprint is not None:
            self.store.record_fingerprint(
                pending.key,
                pending.fingerprint,
                pending.recipients,
                pending.at,
                pending.fingerprint_window,
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
        account = facts.provenance.account
        rank = account.rank if account is not None else org.ranks[0]
        for window in rate.windows:
            seen = next((a for a in activity if a.window == window.window), None)
            if seen is None:
                continue
            ratios = [0.0]
            messages = for_rank(org, window.max_messages, rank)
            if messages is not None:
                ratios.append(seen.messages / messages.limit)
            recipients = for_rank(org, window.max_recipients, rank)
            if recipients is not None:
                ratios.append(seen.distinct_recipients / recipients.limit)
            peak = self.peaks.observe(window.window, max(ratios), now)
            self.metrics.window_peak_usage.labels(window=str(window.window)).set(peak)
