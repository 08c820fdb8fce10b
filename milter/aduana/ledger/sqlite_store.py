"""SQLite backend for last sends, violations and suspensions: one file, no server.

One connection (`SqliteConnection`, which the review ledger uses too) serves
every thread behind a lock. pymilter runs a thread per SMTP connection, so
per-thread connections would pile up; and SQLite allows one writer at a time
anyway. The database is in WAL mode so the CLI can read reports
while the daemon writes, with ``synchronous=NORMAL`` (a power cut may lose the
last moments of last sends, never corrupt the file). ``busy_timeout`` bounds how
long a write waits for another process's lock; past it, and on any other
SQLite operational error (disk full, unreadable file), the call raises
`LedgerUnavailableError`.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta

from aduana.ledger.escalation import Suspension
from aduana.ledger.last_send import (
    DEFAULT_WRITE_INTERVAL,
    LedgerUnavailableError,
    WriteThrottle,
    address_key,
    from_micros,
    to_micros,
)
from aduana.ledger.lifecycle import OneConnection
from aduana.ledger.violations import Severity, Violation
from aduana.policy.verdict import Action

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS activity (
    address TEXT PRIMARY KEY,
    last_us INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS violations (
    id INTEGER PRIMARY KEY,
    at_us INTEGER NOT NULL,
    address TEXT NOT NULL,
    organisation TEXT NOT NULL,
    unit TEXT NOT NULL,
    rule TEXT NOT NULL,
    clause TEXT NOT NULL,
    severity TEXT NOT NULL,
    action TEXT NOT NULL,
    queue_id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS violations_by_time ON violations (at_us);
CREATE INDEX IF NOT EXISTS violations_by_sender ON violations (address, severity, at_us);

CREATE TABLE IF NOT EXISTS suspensions (
    id INTEGER PRIMARY KEY,
    address TEXT NOT NULL,
    reason TEXT NOT NULL,
    since_us INTEGER NOT NULL,
    by_rule TEXT NOT NULL,
    reversed_at_us INTEGER,
    reversed_by TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS suspensions_one_active
    ON suspensions (address) WHERE reversed_at_us IS NULL;
"""

_UPSERT_ACTIVITY = """
INSERT INTO activity (address, last_us) VALUES (?, ?)
ON CONFLICT (address) DO UPDATE SET last_us = max(last_us, excluded.last_us)
"""

_VIOLATION_COLUMNS = "at_us, address, organisation, unit, rule, clause, severity, action, queue_id"
_SUSPENSION_COLUMNS = "address, reason, since_us, by_rule, reversed_at_us, reversed_by"

_ViolationRow = tuple[int, str, str, str, str, str, str, str, str]
_SuspensionRow = tuple[str, str, int, str, int | None, str | None]


class SqliteLedger(OneConnection["SqliteConnection"]):
    """`LastSendLedger`, `ViolationLedger` and `SuspensionStore` in one SQLite file."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        write_interval: timedelta = DEFAULT_WRITE_INTERVAL,
        busy_timeout: float = 1.0,
    ) -> None:
        self._throttle = WriteThrottle(write_interval)
        self._database = SqliteConnection(
            path,
            f"BEGIN IMMEDIATE;{_SCHEMA}PRAGMA user_version = {SCHEMA_VERSION};COMMIT;",
            busy_timeout=busy_timeout,
        )

    # last sends (the table keeps its first name, activity)

    def record_send(self, address: str, at: datetime) -> None:
        key = address_key(address)
        micros = to_micros(at)
        if not self._throttle.admit(key, at):
            return
        try:
            with self._database.using() as db:
                db.execute(_UPSERT_ACTIVITY, (key, micros))
        except LedgerUnavailableError:
            self._throttle.forget(key, at)
            raise

    def last_activity(self, address: str) -> datetime | None:
        with self._database.using() as db:
            row = db.execute(
                "SELECT last_us FROM activity WHERE address = ?", (address_key(address),)
            ).fetchone()
        return None if row is None else from_micros(row[0])

    def all_last_activity(self) -> Mapping[str, datetime]:
        with self._database.using() as db:
            rows = db.execute("SELECT address, last_us FROM activity").fetchall()
        return {address: from_micros(micros) for address, micros in rows}

    # violations

    def record(self, violation: Violation) -> None:
        row = (
            to_micros(violation.at),
            address_key(violation.address),
            violation.organisation,
            violation.unit,
            violation.rule,
            violation.clause,
            violation.severity.value,
            violation.action.value,
            violation.queue_id,
        )
        with self._database.using() as db:
            db.execute(
                f"INSERT INTO violations ({_VIOLATION_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?)", row
            )

    def query(self, since: datetime, until: datetime) -> list[Violation]:
        with self._database.using() as db:
            rows: list[_ViolationRow] = db.execute(
                f"SELECT {_VIOLATION_COLUMNS} FROM violations"
                " WHERE at_us >= ? AND at_us < ? ORDER BY at_us, id",
                (to_micros(since), to_micros(until)),
            ).fetchall()
        return [_violation(row) for row in rows]

    def count(self, address: str, severity: Severity, since: datetime) -> int:
        with self._database.using() as db:
            (count,) = db.execute(
                "SELECT count(*) FROM violations WHERE address = ? AND severity = ? AND at_us >= ?",
                (address_key(address), severity.value, to_micros(since)),
            ).fetchone()
        return int(count)

    # suspensions

    def open_suspension(self, suspension: Suspension) -> bool:
        with self._database.using() as db:
            cursor = db.execute(
                f"INSERT INTO suspensions ({_SUSPENSION_COLUMNS}) VALUES (?,?,?,?,NULL,NULL)"
                " ON CONFLICT DO NOTHING",
                (
                    address_key(suspension.address),
                    suspension.reason,
                    to_micros(suspension.since),
                    suspension.by_rule,
                ),
            )
            return cursor.rowcount == 1

    def close_suspension(self, address: str, by: str, at: datetime) -> Suspension | None:
        with self._database.using() as db:
            # fetchall, not fetchone: the UPDATE commits only once the statement is done
            rows: list[_SuspensionRow] = db.execute(
                "UPDATE suspensions SET reversed_at_us = ?, reversed_by = ?"
                " WHERE address = ? AND reversed_at_us IS NULL"
                f" RETURNING {_SUSPENSION_COLUMNS}",
                (to_micros(at), by, address_key(address)),
            ).fetchall()
        return _suspension(rows[0]) if rows else None

    def active_suspensions(self) -> list[Suspension]:
        with self._database.using() as db:
            rows: list[_SuspensionRow] = db.execute(
                f"SELECT {_SUSPENSION_COLUMNS} FROM suspensions"
                " WHERE reversed_at_us IS NULL ORDER BY since_us, id"
            ).fetchall()
        return [_suspension(row) for row in rows]

    def last_reversal(self, address: str) -> datetime | None:
        with self._database.using() as db:
            (micros,) = db.execute(
                "SELECT max(reversed_at_us) FROM suspensions WHERE address = ?",
                (address_key(address),),
            ).fetchone()
        return None if micros is None else from_micros(micros)


class SqliteConnection:
    """One connection to a ledger's SQLite file, shared by every thread behind a lock;
    ``schema`` (a script) runs once, when it opens. An operational error (busy past
    ``busy_timeout``, disk full, unreadable file) raises `LedgerUnavailableError`."""

    def __init__(self, path: str | os.PathLike[str], schema: str, *, busy_timeout: float) -> None:
        self._path = os.fspath(path)
        self._lock = threading.Lock()
        try:
            self._db = sqlite3.connect(
                path, timeout=busy_timeout, isolation_level=None, check_same_thread=False
            )
        except sqlite3.OperationalError as error:
            raise LedgerUnavailableError(f"sqlite {self._path}: {error}") from error
        with self.using() as db:
            db.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            try:
                db.executescript(schema)
            finally:
                if db.in_transaction:
                    db.execute("ROLLBACK")

    @contextmanager
    def using(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                yield self._db
            except sqlite3.OperationalError as error:
                raise LedgerUnavailableError(f"sqlite {self._path}: {error}") from error

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _violation(row: _ViolationRow) -> Violation:
    at_us, address, organisation, unit, rule, clause, severity, action, queue_id = row
    return Violation(
        at=from_micros(at_us),
        address=address,
        organisation=organisation,
        unit=unit,
        rule=rule,
        clause=clause,
        severity=Severity(severity),
        action=Action(action),
        queue_id=queue_id,
    )


def _suspension(row: _SuspensionRow) -> Suspension:
    address, reason, since_us, by_rule, reversed_at_us, reversed_by = row
    return Suspension(
        address=address,
        reason=reason,
        since=from_micros(since_us),
        by_rule=by_rule,
        reversed_at=None if reversed_at_us is None else from_micros(reversed_at_us),
        reversed_by=reversed_by,
    )
