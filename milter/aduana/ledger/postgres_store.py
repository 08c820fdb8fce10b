"""PostgreSQL backend for last sends, violations and suspensions: one database, many nodes.

Every gateway node that points at the same database counts the violations all
of them saw, and a suspension opened by one is enforced by all (each re-reads
the active suspensions every few seconds, see `SendingSuspensions`).

One connection serves every thread behind a lock, as in the SQLite backend: the
ledger is written after decisions and suspensions are read from a cache, so one
connection carries the load, and a lost connection is simply opened again by
the next call. Each statement commits on its own (autocommit); the tables are
created on first use under an advisory lock, so nodes starting together do not
race. ``connect_timeout``, a server-side ``statement_timeout`` and TCP
keepalives bound how long a call can wait; a connection or server failure
(refused, reset, timed out, disk full) raises `LedgerUnavailableError`. Other
database errors (wrong privileges, say) are configuration faults and propagate.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from aduana.ledger.escalation import Suspension
from aduana.ledger.last_send import (
    DEFAULT_WRITE_INTERVAL,
    LedgerUnavailableError,
    WriteThrottle,
    address_key,
    require_aware,
)
from aduana.ledger.lifecycle import OneConnection
from aduana.ledger.violations import Severity, Violation
from aduana.policy.verdict import Action

_SCHEMA = """
SELECT pg_advisory_xact_lock(hashtext('aduana ledger schema'));
CREATE TABLE IF NOT EXISTS activity (
    address text PRIMARY KEY,
    last_at timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS violations (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at timestamptz NOT NULL,
    address text NOT NULL,
    organisation text NOT NULL,
    unit text NOT NULL,
    rule text NOT NULL,
    clause text NOT NULL,
    severity text NOT NULL,
    action text NOT NULL,
    queue_id text NOT NULL
);
CREATE INDEX IF NOT EXISTS violations_by_time ON violations (at);
CREATE INDEX IF NOT EXISTS violations_by_sender ON violations (address, severity, at);
CREATE TABLE IF NOT EXISTS suspensions (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    address text NOT NULL,
    reason text NOT NULL,
    since timestamptz NOT NULL,
    by_rule text NOT NULL,
    reversed_at timestamptz,
    reversed_by text
);
CREATE UNIQUE INDEX IF NOT EXISTS suspensions_one_active
    ON suspensions (address) WHERE reversed_at IS NULL;
"""

_UPSERT_ACTIVITY = """
INSERT INTO activity (address, last_at) VALUES (%s, %s)
ON CONFLICT (address) DO UPDATE SET last_at = greatest(activity.last_at, excluded.last_at)
"""

_VIOLATION_COLUMNS = "at, address, organisation, unit, rule, clause, severity, action, queue_id"
_SUSPENSION_COLUMNS = "address, reason, since, by_rule, reversed_at, reversed_by"


class PostgresLedger(OneConnection["PostgresConnection"]):
    """`LastSendLedger`, `ViolationLedger` and `SuspensionStore` in one PostgreSQL database."""

    def __init__(
        self,
        dsn: str,
        *,
        password: str | None = None,
        write_interval: timedelta = DEFAULT_WRITE_INTERVAL,
        connect_timeout: int = 2,
        statement_timeout: float = 2.0,
    ) -> None:
        self._throttle = WriteThrottle(write_interval)
        self._database = PostgresConnection(
            dsn, _SCHEMA, password=password, connect_timeout=connect_timeout,
            statement_timeout=statement_timeout,
        )  # fmt: skip
        self._using = self._database.using

    # last sends (the table keeps its first name, activity)

    def record_send(self, address: str, at: datetime) -> None:
        key = address_key(address)
        require_aware(at)
        if not self._throttle.admit(key, at):
            return
        try:
            with self._using() as db:
                db.execute(_UPSERT_ACTIVITY, (key, at))
        except LedgerUnavailableError:
            self._throttle.forget(key, at)
            raise

    def last_activity(self, address: str) -> datetime | None:
        with self._using() as db:
            row = db.execute(
                "SELECT last_at FROM activity WHERE address = %s", (address_key(address),)
            ).fetchone()
        return None if row is None else as_utc(row[0])

    def all_last_activity(self) -> Mapping[str, datetime]:
        with self._using() as db:
            rows = db.execute("SELECT address, last_at FROM activity").fetchall()
        return {address: as_utc(last_at) for address, last_at in rows}

    # violations

    def record(self, violation: Violation) -> None:
        require_aware(violation.at)
        row = (
            violation.at,
            address_key(violation.address),
            violation.organisation,
            violation.unit,
            violation.rule,
            violation.clause,
            violation.severity.value,
            violation.action.value,
            violation.queue_id,
        )
        with self._using() as db:
            db.execute(
                f"INSERT INTO violations ({_VIOLATION_COLUMNS})"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                row,
            )

    def query(self, since: datetime, until: datetime) -> list[Violation]:
        with self._using() as db:
            rows = db.execute(
                f"SELECT {_VIOLATION_COLUMNS} FROM violations"
                " WHERE at >= %s AND at < %s ORDER BY at, id",
                (since, until),
            ).fetchall()
        return [_violation(row) for row in rows]

    def count(self, address: str, severity: Severity, since: datetime) -> int:
        with self._using() as db:
            row = db.execute(
                "SELECT count(*) FROM violations WHERE address = %s AND severity = %s AND at >= %s",
                (address_key(address), severity.value, since),
            ).fetchone()
        return 0 if row is None else int(row[0])

    # suspensions

    def open_suspension(self, suspension: Suspension) -> bool:
        with self._using() as db:
            cursor = db.execute(
                f"INSERT INTO suspensions ({_SUSPENSION_COLUMNS})"
                " VALUES (%s, %s, %s, %s, NULL, NULL) ON CONFLICT DO NOTHING",
                (
                    address_key(suspension.address),
                    suspension.reason,
                    suspension.since,
                    suspension.by_rule,
                ),
            )
            return cursor.rowcount == 1

    def close_suspension(self, address: str, by: str, at: datetime) -> Suspension | None:
        with self._using() as db:
            row = db.execute(
                "UPDATE suspensions SET reversed_at = %s, reversed_by = %s"
                " WHERE address = %s AND reversed_at IS NULL"
                f" RETURNING {_SUSPENSION_COLUMNS}",
                (at, by, address_key(address)),
            ).fetchone()
        return None if row is None else _suspension(row)

    def active_suspensions(self) -> list[Suspension]:
        with self._using() as db:
            rows = db.execute(
                f"SELECT {_SUSPENSION_COLUMNS} FROM suspensions"
                " WHERE reversed_at IS NULL ORDER BY since, id"
            ).fetchall()
        return [_suspension(row) for row in rows]

    def last_reversal(self, address: str) -> datetime | None:
        with self._using() as db:
            row = db.execute(
                "SELECT max(reversed_at) FROM suspensions WHERE address = %s",
                (address_key(address),),
            ).fetchone()
        return None if row is None or row[0] is None else as_utc(row[0])


class PostgresConnection:
    """One autocommit connection behind a lock, opened again after a failure; ``schema``
    (which takes its own advisory lock) runs once, on the first connection."""

    def __init__(
        self,
        dsn: str,
        schema: str,
        *,
        password: str | None,
        connect_timeout: int,
        statement_timeout: float,
    ) -> None:
        self._schema = schema
        self._lock = threading.Lock()
        self._connection: psycopg.Connection[tuple[Any, ...]] | None = None
        self._schema_ready = False
        self._where = _describe(dsn)
        self._conninfo = make_conninfo(
            dsn,
            password=password,
            connect_timeout=connect_timeout,
            application_name="aduana",
            # client_min_messages=error: libpq hands notices and warnings to a ctypes
            # callback, which re-enters Python through PyGILState in a libmilter
            # thread whose thread state pymilter made by hand. With notices on
            # ("relation already exists, skipping"), MAIL FROM replies were lost
            # now and then (Postfix: "can't read SMFIC_MAIL reply packet header").
            options=(
                f"-c statement_timeout={int(statement_timeout * 1000)} -c timezone=UTC"
                " -c client_min_messages=error"
            ),
            keepalives=1,
            keepalives_idle=5,
            keepalives_interval=2,
            keepalives_count=2,
            tcp_user_timeout=int((connect_timeout + statement_timeout) * 1000),
        )

    @contextmanager
    def using(self) -> Iterator[psycopg.Connection[tuple[Any, ...]]]:
        with self._lock:
            try:
                yield self._connect()
            except psycopg.OperationalError as error:
                # The next call opens a fresh connection: the server may be back by then.
                self._drop()
                raise LedgerUnavailableError(f"postgresql {self._where}: {error}") from error

    def close(self) -> None:
        with self._lock:
            self._drop()

    def _connect(self) -> psycopg.Connection[tuple[Any, ...]]:
        connection = self._connection
        if connection is None or connection.closed:
            connection = psycopg.connect(self._conninfo, autocommit=True)
            self._connection = connection
        if not self._schema_ready:
            with connection.transaction():
                connection.execute(self._schema)
            self._schema_ready = True
        return connection

    def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()


def _describe(dsn: str) -> str:
    """host:port/dbname of a DSN, for error messages (never the password)."""
    parameters = conninfo_to_dict(dsn)
    host = parameters.get("host") or "localhost"
    port = parameters.get("port") or "5432"
    return f"{host}:{port}/{parameters.get('dbname') or parameters.get('user') or ''}"


def as_utc(at: datetime) -> datetime:
    """A time read back from PostgreSQL (in the session's zone) in UTC."""
    return at.astimezone(UTC)


def _violation(row: tuple[Any, ...]) -> Violation:
    at, address, organisation, unit, rule, clause, severity, action, queue_id = row
    return Violation(
        at=as_utc(at),
        address=address,
        organisation=organisation,
        unit=unit,
        rule=rule,
        clause=clause,
        severity=Severity(severity),
        action=Action(action),
        queue_id=queue_id,
    )


def _suspension(row: tuple[Any, ...]) -> Suspension:
    address, reason, since, by_rule, reversed_at, reversed_by = row
    return Suspension(
        address=address,
        reason=reason,
        since=as_utc(since),
        by_rule=by_rule,
        reversed_at=None if reversed_at is None else as_utc(reversed_at),
        reversed_by=reversed_by,
    )
