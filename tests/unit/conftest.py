"""Servers shared by the unit tests of the ledger and of the review desk."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.postgres_server import PostgresServer, require_postgresql


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A real PostgreSQL from Debian on 127.0.0.1, shared by the session's unit tests."""
    with PostgresServer(require_postgresql()) as server:
        yield server
