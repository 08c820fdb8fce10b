"""The review ledger (holds, reviews, approval uses) in the shared PostgreSQL database.

With ``ledger.backend: postgresql`` the hold records of every node are in one
table, the reviews are one history, and the approvals report counts the uses
every node recorded. (The held messages stay in each node's MTA queue.) Connection, timeouts and
outages behave as in `PostgresLedger` (one `PostgresConnection`): a server
failure raises `LedgerUnavailableError`, the next call connects again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from psycopg.types.json import Jsonb

from aduana.ledger.last_send import require_aware
from aduana.ledger.lifecycle import OneConnection
from aduana.ledger.postgres_store import PostgresConnection, as_utc
from aduana.ledger.review import (
    ApprovalUse,
    HeldReason,
    HoldRecord,
    Review,
    ReviewAction,
)

_SCHEMA = """
SELECT pg_advisory_xact_lock(hashtext('aduana review schema'));
CREATE TABLE IF NOT EXISTS holds (
    queue_id text NOT NULL,
    held_at timestamptz NOT NULL,
    reasons jsonb NOT NULL,
    PRIMARY KEY (queue_id, held_at)
);
CREATE TABLE IF NOT EXISTS quarantine_reviews (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at timestamptz NOT NULL,
    queue_id text NOT NULL,
    action text NOT NULL,
    reviewer text NOT NULL,
    reason text NOT NULL,
    override boolean NOT NULL,
    recheck text NOT NULL,
    clauses text[] NOT NULL,
    sender text NOT NULL
);
CREATE INDEX IF NOT EXISTS quarantine_reviews_by_queue_id ON quarantine_reviews (queue_id);
CREATE TABLE IF NOT EXISTS approval_uses (
    reference text NOT NULL,
    rule text NOT NULL,
    clause text NOT NULL,
    day text NOT NULL,
    uses bigint NOT NULL,
    last_at timestamptz NOT NULL,
    PRIMARY KEY (reference, rule, clause, day)
);
"""

_UPSERT_HOLD = """
INSERT INTO holds (queue_id, held_at, reasons) VALUES (%s, %s, %s)
ON CONFLICT (queue_id, held_at) DO UPDATE SET reasons = excluded.reasons
"""
_UPSERT_USE = """
INSERT INTO approval_uses (reference, rule, clause, day, uses, last_at)
VALUES (%s, %s, %s, %s, 1, %s)
ON CONFLICT (reference, rule, clause, day) DO UPDATE
SET uses = approval_uses.uses + 1, last_at = greatest(approval_uses.last_at, excluded.last_at)
"""
_REVIEW_COLUMNS = "at, queue_id, action, reviewer, reason, override, recheck, clauses, sender"


class PostgresReviewLedger(OneConnection["PostgresConnection"]):
    """`ReviewLedger` in one PostgreSQL database that every node shares; thread-safe."""

    def __init__(
        self,
        dsn: str,
        *,
        password: str | None = None,
        connect_timeout: int = 2,
        statement_timeout: float = 2.0,
    ) -> None:
        self._database = PostgresConnection(
            dsn, _SCHEMA, password=password, connect_timeout=connect_timeout,
            statement_timeout=statement_timeout,
        )  # fmt: skip
        self._using = self._database.using

    # holds

    def record_hold(self, record: HoldRecord) -> None:
        require_aware(record.held_at)
        reasons = [{"rule": r.rule, "clause": r.clause, "detail": r.detail} for r in record.reasons]
        with self._using() as db:
            db.execute(_UPSERT_HOLD, (record.queue_id, record.held_at, Jsonb(reasons)))

    def holds(self, queue_ids: Iterable[str]) -> Mapping[str, HoldRecord]:
        """The latest hold record of each queue id that has one."""
        wanted = list(dict.fromkeys(queue_ids))
        if not wanted:
            return {}
        with self._using() as db:
            rows = db.execute(
                "SELECT DISTINCT ON (queue_id) queue_id, held_at, reasons FROM holds"
                " WHERE queue_id = ANY(%s) ORDER BY queue_id, held_at DESC",
                (wanted,),
            ).fetchall()
        return {
            queue_id: HoldRecord(queue_id, as_utc(held_at), tuple(HeldReason(**r) for r in reasons))
            for queue_id, held_at, reasons in rows
        }

    # reviews

    def record_review(self, review: Review) -> None:
        require_aware(review.at)
        row = (
            review.at, review.queue_id, review.action.value, review.by, review.reason,
            review.override, review.recheck, list(review.clauses), review.sender,
        )  # fmt: skip
        with self._using() as db:
            db.execute(
                f"INSERT INTO quarantine_reviews ({_REVIEW_COLUMNS})"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                row,
            )

    def reviews(self, queue_id: str | None = None) -> list[Review]:
        where, parameters = ("WHERE queue_id = %s", (queue_id,)) if queue_id else ("", ())
        with self._using() as db:
            rows = db.execute(
                f"SELECT {_REVIEW_COLUMNS} FROM quarantine_reviews {where} ORDER BY at, id",
                parameters,
            ).fetchall()
        return [_review(row) for row in rows]

    def review_counts(self) -> Mapping[tuple[ReviewAction, bool], int]:
        """Reviews so far by action and override."""
        with self._using() as db:
            rows = db.execute(
                "SELECT action, override, count(*) FROM quarantine_reviews GROUP BY 1, 2"
            ).fetchall()
        return {(ReviewAction(action), bool(override)): int(n) for action, override, n in rows}

    # approval uses

    def record_approval_uses(self, uses: Sequence[tuple[str, str, str]], at: datetime) -> None:
        """One use of each (reference, rule, clause), on ``at``'s UTC day."""
        require_aware(at)
        day = at.date().isoformat()
        with self._using() as db:
            for reference, rule, clause in uses:
                db.execute(_UPSERT_USE, (reference, rule, clause, day, at))

    def approval_uses(self) -> list[ApprovalUse]:
        with self._using() as db:
            rows = db.execute(
                "SELECT reference, rule, clause, day, uses, last_at FROM approval_uses"
                " ORDER BY reference, day, rule"
            ).fetchall()
        return [
            ApprovalUse(reference, rule, clause, day, int(uses), as_utc(last_at))
            for reference, rule, clause, day, uses, last_at in rows
        ]


def _review(row: tuple[Any, ...]) -> Review:
    at, queue_id, action, reviewer, reason, override, recheck, clauses, sender = row
    return Review(
        as_utc(at), queue_id, ReviewAction(action), reviewer, reason, bool(override), recheck,
        tuple(clauses), sender,
    )  # fmt: skip
