"""What only the Redis backend promises: expiring keys, no addresses, fast failure."""

from __future__ import annotations

import time

import pytest
import redis

from aduana.state import CounterStoreUnavailableError, Fingerprinter
from aduana.state.redis_store import RedisCounterStore, connect
from tests.support.redis_server import RedisServer
from tests.unit.state.conftest import HASHER
from tests.unit.state.texts import nomina_to

HOUR = 3600
DAY = 86400
T0 = 1_700_000_000.0
SENDER = "jefa.depto@sre.gob.mx"


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _keys(client: redis.Redis) -> list[str]:
    return [_text(key) for key in client.keys("*")]


def _record_everything(store: RedisCounterStore) -> None:
    fingerprint = Fingerprinter().fingerprint(nomina_to("Estimado Juan:"))
    assert fingerprint is not None
    store.record_send(SENDER, ["juan.perez@sre.gob.mx"], T0, [HOUR, DAY])
    store.record_fingerprint(SENDER, fingerprint, ["juan.perez@sre.gob.mx"], T0, HOUR)


def test_every_key_expires_one_window_after_its_last_update(redis_client: redis.Redis) -> None:
    _record_everything(RedisCounterStore(redis_client, hasher=HASHER))

    keys = _keys(redis_client)
    ttls = {key: redis_client.ttl(key) for key in keys}

    assert {key.rsplit(":", 1)[-1] for key in keys if not key.count(":fp:")} == {"msgs", "rcpts"}
    assert len([key for key in keys if ":fp:" in key]) == 20
    for key, ttl in ttls.items():
        window = HOUR if ":fp:" in key else DAY
        assert window - 5 <= ttl <= window, key


def test_stores_no_address_in_keys_or_values(redis_client: redis.Redis) -> None:
    _record_everything(RedisCounterStore(redis_client, hasher=HASHER))

    dumped = ""
    for key in _keys(redis_client):
        dumped += key + "".join(str(member) for member in redis_client.zrange(key, 0, -1))

    assert "juan" not in dumped
    assert "sre.gob.mx" not in dumped


def test_key_prefix_separates_stores_on_one_redis(redis_client: redis.Redis) -> None:
    production = RedisCounterStore(redis_client, key_prefix="prod:", hasher=HASHER)
    staging = RedisCounterStore(redis_client, key_prefix="staging:", hasher=HASHER)
    production.record_send(SENDER, ["a@x.mx"], T0, [HOUR])

    counts = staging.record_send(SENDER, ["b@x.mx"], T0, [HOUR])

    assert counts.for_window(HOUR).messages == 1
    assert all(key.startswith(("prod:", "staging:")) for key in _keys(redis_client))


def test_different_hash_secrets_do_not_share_counts(redis_client: redis.Redis) -> None:
    RedisCounterStore(redis_client).record_send(SENDER, ["a@x.mx"], T0, [HOUR])

    counts = RedisCounterStore(redis_client, hasher=HASHER).record_send(
        SENDER, ["a@x.mx"], T0, [HOUR]
    )

    assert counts.for_window(HOUR).messages == 1


def test_a_blast_spread_over_two_nodes_is_counted_once_per_recipient(
    redis_client: redis.Redis, shared_redis_server: RedisServer
) -> None:
    node_a = RedisCounterStore(connect(shared_redis_server.url), hasher=HASHER)
    node_b = RedisCounterStore(connect(shared_redis_server.url), hasher=HASHER)
    fingerprinter = Fingerprinter()
    reached = 0
    for i in range(10):
        node = node_a if i % 2 else node_b
        fingerprint = fingerprinter.fingerprint(nomina_to(f"Estimado Usuario{i}:"))
        assert fingerprint is not None
        reached = node.record_fingerprint(SENDER, fingerprint, [f"u{i}@x.mx"], T0 + i, HOUR)

    assert reached == 10


def test_unreachable_redis_fails_fast_as_unavailable(private_redis_server: RedisServer) -> None:
    store = RedisCounterStore(connect(private_redis_server.url, timeout=0.2), hasher=HASHER)
    private_redis_server.stop()

    started = time.monotonic()
    with pytest.raises(CounterStoreUnavailableError):
        store.record_send(SENDER, ["a@x.mx"], T0, [HOUR])

    assert time.monotonic() - started < 1.0


def test_survives_a_redis_restart_that_dropped_its_scripts(
    private_redis_server: RedisServer,
) -> None:
    store = RedisCounterStore(connect(private_redis_server.url), hasher=HASHER)
    store.record_send(SENDER, ["a@x.mx"], T0, [HOUR])
    private_redis_server.stop()
    private_redis_server.start()

    counts = store.record_send(SENDER, ["b@x.mx"], T0 + 1, [HOUR])

    assert counts.for_window(HOUR).messages == 1
