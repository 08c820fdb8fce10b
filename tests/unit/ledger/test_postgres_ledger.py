"""What only the PostgreSQL ledger promises: many nodes, one database, outages reported."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from aduana.ledger import LedgerUnavailableError, SendingSuspensions, Severity, Suspension
from aduana.ledger.last_send import DEFAULT_WRITE_INTERVAL
from aduana.ledger.postgres_store import PostgresLedger
from tests.support.postgres_server import PostgresServer

T0 = datetime(2024, 7, 1, 12, 0, tzinfo=UTC)
ANA = "ana.lopez@edomex.gob.mx"
NODES = 4


@pytest.fixture
def server(postgres_server: PostgresServer) -> Iterator[PostgresServer]:
    postgres_server.reset()
    yield postgres_server
    postgres_server.start()  # a test that stopped it leaves it running for the next


def _node(
    server: PostgresServer, write_interval: timedelta = DEFAULT_WRITE_INTERVAL
) -> PostgresLedger:
    return PostgresLedger(server.dsn, password=server.password, write_interval=write_interval)


def _together(work: Callable[[int], object]) -> list[object]:
    """Runs ``work(n)`` in NODES threads released at once; returns results in order."""
    start = threading.Barrier(NODES)
    results: list[object] = [None] * NODES

    def run(n: int) -> None:
        start.wait()
        try:
            results[n] = work(n)
        except BaseException as error:  # collected and asserted by the test
            results[n] = error

    threads = [threading.Thread(target=run, args=(n,)) for n in range(NODES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_nodes_starting_together_create_the_tables_once(server: PostgresServer) -> None:
    nodes = [_node(server) for _ in range(NODES)]

    results = _together(lambda n: nodes[n].active_suspensions())

    assert results == [[]] * NODES
    for node in nodes:
        node.close()


def test_only_one_of_several_nodes_opens_an_accounts_suspension(server: PostgresServer) -> None:
    nodes = [_node(server) for _ in range(NODES)]
    for node in nodes:
        node.active_suspensions()  # tables in place, so only the insert races

    opened = _together(
        lambda n: nodes[n].open_suspension(Suspension(ANA, f"nodo {n}", T0, "manual"))
    )

    assert sorted(map(bool, opened)) == [False] * (NODES - 1) + [True]
    assert len(nodes[0].active_suspensions()) == 1
    for node in nodes:
        node.close()


def test_a_suspension_opened_on_one_node_is_enforced_by_another(server: PostgresServer) -> None:
    with _node(server) as node_a, _node(server) as node_b:
        SendingSuspensions(node_a).suspend(ANA, "3 high violations", T0, by_rule="escalation")

        assert SendingSuspensions(node_b).is_suspended("Ana.Lopez@edomex.gob.mx")


def test_an_outage_is_reported_and_the_ledger_reconnects_when_the_server_is_back(
    server: PostgresServer,
) -> None:
    with _node(server, write_interval=timedelta(minutes=10)) as ledger:
        ledger.record_send(ANA, T0)
        server.stop()

        with pytest.raises(LedgerUnavailableError, match=r"postgresql 127\.0\.0\.1:\d+/aduana"):
            ledger.record_send(ANA, T0 + timedelta(minutes=20))
        with pytest.raises(LedgerUnavailableError):
            ledger.active_suspensions()
        server.start()
        # The failed write was not throttled away: the next send within the interval lands.
        ledger.record_send(ANA, T0 + timedelta(minutes=21))

        assert ledger.last_activity(ANA) == T0 + timedelta(minutes=21)


def test_an_unreachable_server_never_shows_the_password(server: PostgresServer) -> None:
    server.stop()
    with _node(server) as ledger, pytest.raises(LedgerUnavailableError) as caught:
        ledger.count(ANA, Severity.HIGH, T0)

    assert server.password not in str(caught.value)
    assert "Connection refused" in str(caught.value)


def test_a_wrong_password_makes_the_ledger_unavailable_and_says_why(server: PostgresServer) -> None:
    with (
        PostgresLedger(server.dsn, password="otra") as ledger,
        pytest.raises(LedgerUnavailableError, match="password authentication failed"),
    ):
        ledger.active_suspensions()


def test_times_are_stored_as_timestamptz_readable_in_psql(server: PostgresServer) -> None:
    with _node(server, write_interval=timedelta(0)) as ledger:
        ledger.record_send(ANA, T0)

    with psycopg.connect(server.dsn, password=server.password) as connection:
        row = connection.execute(
            "SELECT address, last_at AT TIME ZONE 'UTC' FROM activity"
        ).fetchone()

    assert row == (ANA, T0.replace(tzinfo=None))
