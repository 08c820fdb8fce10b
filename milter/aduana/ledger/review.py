"""The review ledger: held messages, what reviewers did with them, and uses of approvals.

Three records, kept beside the violations: in the node's SQLite file (its own
connection and tables, so the core ledger's schema is untouched), or in the
shared PostgreSQL database when ``ledger.backend: postgresql``
(ledger/postgres_review.py), so every node and every reviewer sees the same:

- ``holds``: written by the daemon when it holds a message, keyed by queue id.
  With it the backlog gauges and ``aduana quarantine list`` know each held
  message's clauses from ``postqueue -j`` alone, which any user may run, where
  reading the queue file (postcat) needs root or the postfix user.
- ``quarantine_reviews``: every release, refused release and delete, with who,
  why and whether the re-check was overridden.
- ``approval_uses``: which approval waived which rule, counted per day, so the
  register can be reported with its uses without keeping one row per message.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from aduana.ledger.last_send import from_micros, to_micros
from aduana.ledger.lifecycle import OneConnection
from aduana.ledger.sqlite_store import SqliteConnection
from aduana.policy.facts import TransactionFacts
from aduana.policy.verdict import Action, Verdict

_SCHEMA = """
CREATE TABLE IF NOT EXISTS holds (
    queue_id TEXT NOT NULL,
    held_at_us INTEGER NOT NULL,
    reasons TEXT NOT NULL,
    PRIMARY KEY (queue_id, held_at_us)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS quarantine_reviews (
    id INTEGER PRIMARY KEY,
    at_us INTEGER NOT NULL,
    queue_id TEXT NOT NULL,
    action TEXT NOT NULL,
    by TEXT NOT NULL,
    reason TEXT NOT NULL,
    override INTEGER NOT NULL,
    recheck TEXT NOT NULL,
    clauses TEXT NOT NULL,
    sender TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS quarantine_reviews_by_queue_id ON quarantine_reviews (queue_id);

CREATE TABLE IF NOT EXISTS approval_uses (
    reference TEXT NOT NULL,
    rule TEXT NOT NULL,
    clause TEXT NOT NULL,
    day TEXT NOT NULL,
    uses INTEGER NOT NULL,
    last_us INTEGER NOT NULL,
    PRIMARY KEY (reference, rule, clause, day)
) WITHOUT ROWID;
"""

_UPSERT_USE = """
INSERT INTO approval_uses (reference, rule, clause, day, uses, last_us) VALUES (?, ?, ?, ?, 1, ?)
ON CONFLICT (reference, rule, clause, day)
DO UPDATE SET uses = uses + 1, last_us = max(last_us, excluded.last_us)
"""
_IN_CHUNK = 500


@dataclass(frozen=True)
class HeldReason:
    rule: str
    clause: str
    detail: str


@dataclass(frozen=True)
class HoldRecord:
    """What the daemon knew when it held a message."""

    queue_id: str
    held_at: datetime
    reasons: tuple[HeldReason, ...]


class ReviewAction(StrEnum):
    RELEASED = "released"
    RELEASE_REFUSED = "release_refused"
    """The re-check still finds a reason to hold it, and no override was given."""
    DELETED = "deleted"


@dataclass(frozen=True)
class Review:
    """One reviewer's action on one held message."""

    at: datetime
    queue_id: str
    action: ReviewAction
    by: str
    reason: str
    override: bool
    recheck: str
    """The action the current policy gives the message ('' when not re-checked)."""
    clauses: tuple[str, ...]
    sender: str


@dataclass(frozen=True)
class ApprovalUse:
    """An approval waived ``rule`` (``clause``) ``uses`` times on ``day`` (YYYY-MM-DD)."""

    reference: str
    rule: str
    clause: str
    day: str
    uses: int
    last: datetime


class ReviewLedger(Protocol):
    """Holds, reviews and approval uses; raises `LedgerUnavailableError` when unreachable."""

    def record_hold(self, record: HoldRecord) -> None: ...

    def holds(self, queue_ids: Iterable[str]) -> Mapping[str, HoldRecord]:
        """The latest hold record of each queue id that has one."""
        ...

    def record_review(self, review: Review) -> None: ...

    def reviews(self, queue_id: str | None = None) -> list[Review]:
        """Every review (of ``queue_id`` only, when given), oldest first."""
        ...

    def review_counts(self) -> Mapping[tuple[ReviewAction, bool], int]: ...

    def record_approval_uses(self, uses: Sequence[tuple[str, str, str]], at: datetime) -> None:
        """One use of each (reference, rule, clause), on ``at``'s UTC day."""
        ...

    def approval_uses(self) -> list[ApprovalUse]: ...

    def close(self) -> None: ...


class SqliteReviewLedger(OneConnection["SqliteConnection"]):
    """Holds, reviews and approval uses in the ledger's SQLite file; thread-safe."""

    def __init__(self, path: str | os.PathLike[str], *, busy_timeout: float = 1.0) -> None:
        self._database = SqliteConnection(path, _SCHEMA, busy_timeout=busy_timeout)

    # holds

    def record_hold(self, record: HoldRecord) -> None:
        reasons = json.dumps(
            [{"rule": r.rule, "clause": r.clause, "detail": r.detail} for r in record.reasons],
            ensure_ascii=False,
        )
        with self._database.using() as db:
            db.execute(
                "INSERT OR REPLACE INTO holds (queue_id, held_at_us, reasons) VALUES (?, ?, ?)",
                (record.queue_id, to_micros(record.held_at), reasons),
            )

    def holds(self, queue_ids: Iterable[str]) -> Mapping[str, HoldRecord]:
        """The latest hold record of each queue id that has one."""
        wanted = list(dict.fromkeys(queue_ids))
        found: dict[str, HoldRecord] = {}
        for start in range(0, len(wanted), _IN_CHUNK):
            chunk = wanted[start : start + _IN_CHUNK]
            marks = ",".join("?" * len(chunk))
            with self._database.using() as db:
                rows: list[tuple[str, int, str]] = db.execute(
                    f"SELECT queue_id, held_at_us, reasons FROM holds WHERE queue_id IN ({marks})"
                    " ORDER BY held_at_us",
                    chunk,
                ).fetchall()
            for queue_id, held_at_us, reasons in rows:
                found[queue_id] = HoldRecord(
                    queue_id,
                    from_micros(held_at_us),
                    tuple(HeldReason(**r) for r in json.loads(reasons)),
                )
        return found

    # reviews

    def record_review(self, review: Review) -> None:
        row = (
            to_micros(review.at), review.queue_id, review.action.value, review.by,
            review.reason, int(review.override), review.recheck,
            json.dumps(list(review.clauses), ensure_ascii=False), review.sender,
        )  # fmt: skip
        with self._database.using() as db:
            db.execute(
                "INSERT INTO quarantine_reviews (at_us, queue_id, action, by, reason, override,"
                " recheck, clauses, sender) VALUES (?,?,?,?,?,?,?,?,?)",
                row,
            )

    def reviews(self, queue_id: str | None = None) -> list[Review]:
        where, parameters = ("WHERE queue_id = ?", (queue_id,)) if queue_id else ("", ())
        with self._database.using() as db:
            rows: list[tuple[int, str, str, str, str, int, str, str, str]] = db.execute(
                "SELECT at_us, queue_id, action, by, reason, override, recheck, clauses, sender"
                f" FROM quarantine_reviews {where} ORDER BY at_us, id",
                parameters,
            ).fetchall()
        return [
            Review(
                from_micros(at_us),
                qid,
                ReviewAction(action),
                by,
                reason,
                bool(override),
                recheck,
                tuple(json.loads(clauses)),
                sender,
            )
            for at_us, qid, action, by, reason, override, recheck, clauses, sender in rows
        ]

    def review_counts(self) -> Mapping[tuple[ReviewAction, bool], int]:
        """Reviews so far by action and override."""
        with self._database.using() as db:
            rows: list[tuple[str, int, int]] = db.execute(
                "SELECT action, override, count(*) FROM quarantine_reviews GROUP BY 1, 2"
            ).fetchall()
        return {(ReviewAction(action), bool(override)): n for action, override, n in rows}

    # approval uses

    def record_approval_uses(self, uses: Sequence[tuple[str, str, str]], at: datetime) -> None:
        """One use of each (reference, rule, clause), on ``at``'s UTC day."""
        day = at.date().isoformat()
        micros = to_micros(at)
        with self._database.using() as db:
            for reference, rule, clause in uses:
                db.execute(_UPSERT_USE, (reference, rule, clause, day, micros))

    def approval_uses(self) -> list[ApprovalUse]:
        with self._database.using() as db:
            rows: list[tuple[str, str, str, str, int, int]] = db.execute(
                "SELECT reference, rule, clause, day, uses, last_us FROM approval_uses"
                " ORDER BY reference, day, rule"
            ).fetchall()
        return [
            ApprovalUse(reference, rule, clause, day, uses, from_micros(last_us))
            for reference, rule, clause, day, uses, last_us in rows
        ]


def record_decision(
    review: ReviewLedger, facts: TransactionFacts, verdict: Verdict, at: datetime
) -> None:
    """After each decision: the hold record of a held message, and the approvals used."""
    queue_id = facts.content.queue_id if facts.content else None
    if verdict.action is Action.QUARANTINE and queue_id:
        held = tuple(
            HeldReason(r.rule, r.clause, r.detail)
            for r in verdict.reasons
            if r.enforced and r.action is Action.QUARANTINE
        )
        review.record_hold(HoldRecord(queue_id, at, held))
    uses = [(r.lifted_by, r.rule, r.clause) for r in verdict.reasons if r.lifted_by is not None]
    if uses:
        review.record_approval_uses(uses, at)
