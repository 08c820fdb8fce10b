"""Choosing where the ledger is kept (this node's SQLite file, or a shared PostgreSQL)
and where the last sends are kept (the ledger, or a shared Redis)."""

from __future__ import annotations

from typing import Protocol

from aduana.config.loader import Settings
from aduana.config.secrets import read_secret
from aduana.ledger.escalation import SuspensionStore
from aduana.ledger.last_send import LastSendLedger
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
    ledger = settings.daemon.ledger
    if ledger.backend == "sqlite" or ledger.postgresql is None:
        path = settings.path(ledger.path)
        path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteLedger(path)
    # psycopg loads libpq: only when this backend is configured.
    from aduana.ledger.postgres_store import PostgresLedger

    database = ledger.postgresql
    password = read_secret(
        database.password_env, database.password_file,
        config_file=settings.config_file, path=("ledger", "postgresql", "password"),
    )  # fmt: skip
    return PostgresLedger(
        database.dsn,
        password=password,
        connect_timeout=database.connect_timeout_seconds,
        statement_timeout=database.statement_timeout_seconds,
    )


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
