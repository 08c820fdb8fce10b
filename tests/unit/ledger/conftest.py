"""The ledger backends every contract test runs against: SQLite and a real PostgreSQL
(``postgres_server`` is in tests/unit/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Protocol

import pytest

from aduana.ledger import SqliteLedger
from aduana.ledger.backends import LedgerStore
from aduana.ledger.last_send import DEFAULT_WRITE_INTERVAL
from tests.support.postgres_server import PostgresServer

BACKENDS = ("sqlite", "postgresql")


class OpenStore(Protocol):
    """Opens one more ledger onto the test's store, as another node or the CLI would."""

    def __call__(self, write_interval: timedelta = DEFAULT_WRITE_INTERVAL) -> LedgerStore: ...


def store_opener(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path, opened: list[LedgerStore]
) -> OpenStore:
    """Opens ledgers of ``backend``, all onto the same empty file or database."""
    if backend == "postgresql":
        from aduana.ledger.postgres_store import PostgresLedger

        server: PostgresServer = request.getfixturevalue("postgres_server")
        server.reset()

        def open_postgres(write_interval: timedelta = DEFAULT_WRITE_INTERVAL) -> LedgerStore:
            opened.append(
                PostgresLedger(server.dsn, password=server.password, write_interval=write_interval)
            )
            return opened[-1]

        return open_postgres

    def open_sqlite(write_interval: timedelta = DEFAULT_WRITE_INTERVAL) -> LedgerStore:
        opened.append(SqliteLedger(tmp_path / "ledger.db", write_interval=write_interval))
        return opened[-1]

    return open_sqlite


@pytest.fixture(params=BACKENDS)
def new_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OpenStore]:
    """Opens ledgers of one backend, all onto the same empty file or database."""
    opened: list[LedgerStore] = []
    yield store_opener(request.param, request, tmp_path, opened)
    for store in opened:
        store.close()


@pytest.fixture
def ledger(new_store: OpenStore) -> LedgerStore:
    return new_store()
