"""Counter stores under test: the same behaviour against memory and a real redis-server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis

from aduana.state import CounterStore, IdentityHasher, MemoryCounterStore
from aduana.state.redis_store import RedisCounterStore, connect
from tests.support.redis_server import RedisServer, redis_server_available
from tests.support.required_servers import require_server

HASHER = IdentityHasher(secret=b"test-secret")

StoreFactory = Callable[[], CounterStore]


def _require_redis_server() -> None:
    require_server(
        "redis-server",
        redis_server_available(),
        "Debian package 'redis-server' (make system installs it)",
    )


@pytest.fixture(scope="session")
def shared_redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One redis-server for every test that does not stop it; emptied per test."""
    _require_redis_server()
    with RedisServer(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture
def redis_client(shared_redis_server: RedisServer) -> Iterator[redis.Redis]:
    client = connect(shared_redis_server.url)
    client.flushall()
    yield client
    client.close()


@pytest.fixture
def private_redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server of its own, for tests that stop and restart it."""
    _require_redis_server()
    with RedisServer(tmp_path / "redis") as server:
        yield server


@pytest.fixture(params=["memory", "redis"])
def new_store(request: pytest.FixtureRequest) -> StoreFactory:
    """Makes stores of one backend; two redis stores share one Redis, like two nodes."""
    if request.param == "memory":
        return lambda: MemoryCounterStore(hasher=HASHER)
    client: redis.Redis = request.getfixturevalue("redis_client")
    return lambda: RedisCounterStore(client, hasher=HASHER)


@pytest.fixture
def store(new_store: StoreFactory) -> CounterStore:
    return new_store()
