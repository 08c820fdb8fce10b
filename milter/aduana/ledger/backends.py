"""Choosing where the ledger and the review ledger are kept (this node's SQLite file,
or a shared PostgreSQL) and where the last sends are kept (the ledger, or a shared Redis)."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from aduana.config.loader import Settings
from aduana.config.schema import PostgresLedgerSettings
from aduana.config.secrets import read_secret
from aduana.ledger.escalation import SuspensionStore
from aduana.ledger.last_send import LastSendLedger
from aduana.ledger.review import ReviewLedger, SqliteReviewLedger
from aduana.ledger.sqlite_store import SqliteLedger
from aduana.ledger.violations import ViolationLedger


class LedgerStore(LastSendLedger, ViolationLedger, SuspensionStore, Protocol):
    """Activity, violations and suspensions in one backend."""

    def close(self) -> None: ...


def open_ledger(settings: Settings) -> LedgerStore:
    """SQLite by default; PostgreSQL when ``ledger.backend: postgresql``, so every node
    counts the same violations and enforces the same suspensions.

    Neither opens a connection here: an unreachable database is reported by the
    first call that needs it (`LedgerUnavailableError`), never at start-up.
    """
    database = settings.daemon.ledger.postgresql
    if settings.daemon.ledger.backend == "sqlite" or database is None:
        return SqliteLedger(_sqlite_path(settings))
    # psycopg loads libpq: only when this backend is configured.
    from aduana.ledger.postgres_store import PostgresLedger

    return PostgresLedger(
        database.dsn,
        password=_database_password(settings, database),
        connect_timeout=database.connect_timeout_seconds,
        statement_timeout=database.statement_timeout_seconds,
    )


def open_review_ledger(settings: Settings) -> ReviewLedger:
    """Holds, reviews and approval uses beside the ledger: in this node's SQLite file, or
    in the shared PostgreSQL database, so a message held on one node is reviewed from any.

    The SQLite file is opened here (an unreadable one raises `LedgerUnavailableError`);
    PostgreSQL is reached by the first call that needs it, as in `open_ledger`.
    """
    database = settings.daemon.ledger.postgresql
    if settings.daemon.ledger.backend == "sqlite" or database is None:
        return SqliteReviewLedger(_sqlite_path(settings))
    from aduana.ledger.postgres_review import PostgresReviewLedger

    return PostgresReviewLedger(
        database.dsn,
        password=_database_password(settings, database),
        connect_timeout=database.connect_timeout_seconds,
        statement_timeout=database.statement_timeout_seconds,
    )


def _sqlite_path(settings: Settings) -> Path:
    path = settings.path(settings.daemon.ledger.path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _database_password(settings: Settings, database: PostgresLedgerSettings) -> str | None:
    return read_secret(
        database.password_env, database.password_file,
        config_file=settings.config_file, path=("ledger", "postgresql", "password"),
    )  # fmt: skip


def last_send_ledger(settings: Settings, ledger: LedgerStore) -> LastSendLedger:
    """The ledger by default; Redis when ``ledger.activity_backend: redis``, so every node
    records the last send of accounts that authenticate on any of them."""
    if settings.daemon.ledger.activity_backend == "ledger":
        return ledger
    from aduana.ledger.redis_last_send import RedisLastSendLedger
    from aduana.state.redis_store import connect

    state = settings.daemon.state
    password = read_secret(
        state.redis_password_env, state.redis_password_file,
        config_file=settings.config_file, path=("state", "redis_password"),
    )  # fmt: skip
    client = connect(state.redis_url, timeout=state.timeout_seconds, password=password)
    return RedisLastSendLedger(client, key=f"{state.key_prefix}activity")
