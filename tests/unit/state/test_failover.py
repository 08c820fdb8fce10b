"""Redis stopped in mid-test: counting goes on locally, and comes back by itself."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from aduana.state import (
    CounterStore,
    FailoverCounterStore,
    Fingerprint,
    Fingerprinter,
    MemoryCounterStore,
    SendCounts,
    StoreState,
    StoreStateChange,
)
from aduana.state.redis_store import RedisCounterStore, connect
from tests.support.redis_server import RedisServer
from tests.unit.state.conftest import HASHER
from tests.unit.state.texts import nomina_to

HOUR = 3600
T0 = 1_700_000_000.0
SENDER = "jefa.depto@sre.gob.mx"
RETRY = 5.0


class _CountingStore:
    """Passes calls through to a real store and counts them."""

    def __init__(self, inner: CounterStore) -> None:
        self.inner = inner
        self.calls = 0

    def record_send(
        self,
        sender_key: str,
        recipients: Sequence[str],
        now: float,
        windows: Sequence[int],
        *,
        commit: bool = True,
    ) -> SendCounts:
        self.calls += 1
        return self.inner.record_send(sender_key, recipients, now, windows, commit=commit)

    def record_fingerprint(
        self,
        sender_key: str,
        fingerprint: Fingerprint,
        recipients: Sequence[str],
        now: float,
        window: int,
        *,
        commit: bool = True,
    ) -> int:
        self.calls += 1
        return self.inner.record_fingerprint(
            sender_key, fingerprint, recipients, now, window, commit=commit
        )


class _BrokenStore:
    """A primary failing in a way that is not an outage."""

    def record_send(
        self,
        sender_key: str,
        recipients: Sequence[str],
        now: float,
        windows: Sequence[int],
        *,
        commit: bool = True,
    ) -> SendCounts:
        raise RuntimeError("bug, not an outage")

    def record_fingerprint(
        self,
        sender_key: str,
        fingerprint: Fingerprint,
        recipients: Sequence[str],
        now: float,
        window: int,
        *,
        commit: bool = True,
    ) -> int:
        raise RuntimeError("bug, not an outage")


class _Node:
    """One gateway node: Redis first, its own memory when Redis is down."""

    def __init__(self, server: RedisServer, **options: float) -> None:
        self.changes: list[StoreStateChange] = []
        self.primary = _CountingStore(RedisCounterStore(connect(server.url), hasher=HASHER))
        self.store = FailoverCounterStore(
            self.primary,
            MemoryCounterStore(hasher=HASHER),
            self.changes.append,
            retry_after=options.get("retry_after", RETRY),
            max_retry_after=options.get("max_retry_after", 60.0),
        )

    def send(self, recipient: str, now: float) -> int:
        return self.store.record_send(SENDER, [recipient], now, [HOUR]).windows[0].messages


def test_keeps_counting_locally_from_where_it_was_when_redis_stops(
    private_redis_server: RedisServer,
) -> None:
    node = _Node(private_redis_server)
    for i in range(3):
        node.send(f"r{i}@x.mx", T0 + i)

    private_redis_server.stop()
    counts = [node.send(f"s{i}@x.mx", T0 + 10 + i) for i in range(3)]

    assert counts == [4, 5, 6]
    assert node.store.state is StoreState.DEGRADED
    assert [change.state for change in node.changes] == [StoreState.DEGRADED]
    assert node.changes[0].at == T0 + 10
    assert node.changes[0].reason


def test_recovers_by_itself_after_the_back_off_when_redis_returns(
    private_redis_server: RedisServer,
) -> None:
    node = _Node(private_redis_server)
    node.send("a@x.mx", T0)
    private_redis_server.stop()
    node.send("b@x.mx", T0 + 1)
    private_redis_server.start()

    before_back_off = node.send("c@x.mx", T0 + 1 + RETRY - 0.5)
    after_back_off = node.send("d@x.mx", T0 + 1 + RETRY)

    assert before_back_off == 3, "still local before the back-off ends"
    assert after_back_off == 1, "the restarted Redis is empty, so it answered"
    assert [change.state for change in node.changes] == [StoreState.DEGRADED, StoreState.HEALTHY]
    assert node.store.state is StoreState.HEALTHY


def test_probes_a_dead_redis_with_a_doubling_back_off(private_redis_server: RedisServer) -> None:
    node = _Node(private_redis_server, retry_after=5, max_retry_after=20)
    private_redis_server.stop()
    probes_at = []
    for second in range(80):
        calls_before = node.primary.calls
        node.send("a@x.mx", T0 + second)
        if node.primary.calls > calls_before:
            probes_at.append(second)

    assert probes_at == [0, 5, 15, 35, 55, 75]
    assert len(node.changes) == 1


def test_probes_again_when_the_clock_jumps_backwards(private_redis_server: RedisServer) -> None:
    node = _Node(private_redis_server, retry_after=60)
    private_redis_server.stop()
    node.send("a@x.mx", T0)
    private_redis_server.start()

    node.send("b@x.mx", T0 - 3600)

    assert node.store.state is StoreState.HEALTHY


def test_near_duplicates_are_still_caught_during_an_outage(
    private_redis_server: RedisServer,
) -> None:
    node = _Node(private_redis_server)
    fingerprinter = Fingerprinter()
    reached = []
    for i, name in enumerate(["Juan", "María", "Pedro", "Lucía"]):
        if i == 2:
            private_redis_server.stop()
        fingerprint = fingerprinter.fingerprint(nomina_to(f"Estimado {name}:"))
        assert fingerprint is not None
        reached.append(
            node.store.record_fingerprint(SENDER, fingerprint, [f"{name}@x.mx"], T0 + i, HOUR)
        )

    assert reached == [1, 2, 3, 4]


def test_two_nodes_share_counts_while_redis_is_up(private_redis_server: RedisServer) -> None:
    node_a, node_b = _Node(private_redis_server), _Node(private_redis_server)
    node_a.send("a@x.mx", T0)

    assert node_b.send("b@x.mx", T0 + 1) == 2


def test_lets_errors_other_than_an_outage_through() -> None:
    changes: list[StoreStateChange] = []
    store = FailoverCounterStore(_BrokenStore(), MemoryCounterStore(), changes.append)

    with pytest.raises(RuntimeError, match="bug"):
        store.record_send(SENDER, ["a@x.mx"], T0, [HOUR])

    assert changes == []
