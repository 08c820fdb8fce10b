"""The hold-queue backlog as gauges, read by the daemon every ``backlog_refresh_seconds``.

The daemon runs ``postqueue -j`` (which any user may run) and joins the held
queue ids with the hold records of the review ledger, so it never needs to
read queue files. A held message this node has no record of (held by another
node with its own ledger, or before the upgrade) is counted under the clause
``unrecorded``. A message held under two clauses counts under both; the
``aduana_quarantine_backlog_messages`` gauge counts each message once.

The review-desk actions are made by ``aduana quarantine`` in another process;
their counter follows the review ledger: each refresh adds what was recorded
since the previous one (the first refresh takes the count so far as its start).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from datetime import timedelta
from typing import Protocol

from structlog.typing import FilteringBoundLogger

from aduana.clock import Clock
from aduana.ledger.last_send import LedgerUnavailableError
from aduana.ledger.review import ReviewAction, ReviewLedger
from aduana.observability.metrics import Metrics
from aduana.quarantine.hold_queue import HoldQueueError, QueuedMessage

UNRECORDED = "unrecorded"
_CLOCK_SLACK = timedelta(minutes=5)


class HeldLister(Protocol):
    def held(self) -> list[QueuedMessage]: ...


class BacklogMonitor:
    def __init__(
        self,
        queue: HeldLister,
        review: ReviewLedger | None,
        metrics: Metrics,
        logger: FilteringBoundLogger,
        clock: Clock = time.time,
    ) -> None:
        self._queue = queue
        self._review = review
        self._metrics = metrics
        self._logger = logger
        self._clock = clock
        self._counted: dict[tuple[ReviewAction, bool], int] | None = None
        self._failing = False
        self._clauses: set[str] = set()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        for action in ReviewAction:
            for override in ("true", "false"):
                metrics.quarantine_reviews.labels(action=action.value, override=override)

    def refresh(self) -> bool:
        """Read the hold queue and the review ledger once; False (logged) if either failed."""
        try:
            held = self._queue.held()
            records = self._review.holds(m.queue_id for m in held) if self._review else {}
            counts = self._review.review_counts() if self._review else {}
        except (HoldQueueError, LedgerUnavailableError) as error:
            if not self._failing:
                self._logger.warning("quarantine_backlog_unreadable", error=str(error))
            self._failing = True
            self._metrics.quarantine_unreadable.set(1)
            return False
        if self._failing:
            self._logger.info("quarantine_backlog_readable")
        self._failing = False
        self._metrics.quarantine_unreadable.set(0)
        now = self._clock()
        ages: dict[str, list[float]] = {}
        for message in held:
            record = records.get(message.queue_id)
            clauses: tuple[str, ...] = (UNRECORDED,)
            if record is not None and record.held_at >= message.arrival - _CLOCK_SLACK:
                clauses = tuple(dict.fromkeys(r.clause for r in record.reasons)) or clauses
            for clause in clauses:
                ages.setdefault(clause, []).append(now - message.arrival.timestamp())
        self._publish(len(held), ages, counts, now)
        return True

    def _publish(
        self,
        total: int,
        ages: Mapping[str, list[float]],
        counts: Mapping[tuple[ReviewAction, bool], int],
        now: float,
    ) -> None:
        metrics = self._metrics
        metrics.quarantine_backlog.set(total)
        for clause, clause_ages in ages.items():
            metrics.quarantine_held.labels(clause=clause).set(len(clause_ages))
            metrics.quarantine_oldest.labels(clause=clause).set(max(0.0, *clause_ages))
        # Series of clauses no longer held go (removed one by one, never all at once,
        # so a scrape never sees an empty backlog in between).
        for clause in self._clauses - ages.keys():
            metrics.quarantine_held.remove(clause)
            metrics.quarantine_oldest.remove(clause)
        self._clauses = set(ages)
        if self._counted is not None:
            for key, count in counts.items():
                added = count - self._counted.get(key, 0)
                if added > 0:
                    action, override = key
                    metrics.quarantine_reviews.labels(
                        action=action.value, override=str(override).lower()
                    ).inc(added)
        self._counted = dict(counts)
        metrics.quarantine_last_read.set(now)

    def start(self, interval: float) -> None:
        self.refresh()
        self._thread = threading.Thread(
            target=self._loop, args=(interval,), name="quarantine-backlog", daemon=True
        )
        self._thread.start()

    def _loop(self, interval: float) -> None:
        while not self._stop.wait(interval):
            self.refresh()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
