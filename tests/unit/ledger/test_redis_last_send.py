"""What only the Redis activity backend promises: one readable hash, fast failure."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis

from aduana.ledger import LedgerUnavailableError
from aduana.ledger.redis_last_send import RedisLastSendLedger
from aduana.state.redis_store import connect
from tests.support.redis_server import RedisServer, redis_server_available
from tests.support.required_servers import require_server

T0 = datetime(2024, 7, 1, 12, 0, tzinfo=UTC)
ANA = "ana.lopez@edomex.gob.mx"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RedisServer]:
    require_server(
        "redis-server",
        redis_server_available(),
        "Debian package 'redis-server' (make system installs it)",
    )
    with RedisServer(tmp_path / "redis") as server:
        yield server


@pytest.fixture
def client(server: RedisServer) -> Iterator[redis.Redis]:
    client = connect(server.url)
    yield client
    client.close()


def test_keeps_one_hash_of_address_to_epoch_seconds_that_never_expires(
    client: redis.Redis,
) -> None:
    ledger = RedisLastSendLedger(client, key="edomex:activity")

    ledger.record_send("Ana.Lopez@edomex.gob.mx", T0 + timedelta(microseconds=700))

    assert client.keys("*") == [b"edomex:activity"]
    assert client.hgetall("edomex:activity") == {ANA.encode(): str(int(T0.timestamp())).encode()}
    assert client.ttl("edomex:activity") == -1
    assert ledger.last_activity(ANA) == T0


def test_an_outage_is_reported_and_the_send_is_written_once_redis_is_back(
    server: RedisServer, client: redis.Redis
) -> None:
    ledger = RedisLastSendLedger(client, write_interval=timedelta(minutes=10))
    server.stop()

    with pytest.raises(LedgerUnavailableError, match="redis"):
        ledger.record_send(ANA, T0)
    with pytest.raises(LedgerUnavailableError):
        ledger.all_last_activity()
    server.start()
    ledger.record_send(ANA, T0 + timedelta(seconds=1))

    assert ledger.last_activity(ANA) == T0 + timedelta(seconds=1)
