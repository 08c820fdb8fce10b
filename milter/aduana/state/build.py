"""Building the counter store the configuration asks for."""

from __future__ import annotations

from collections.abc import Callable

from aduana.config.loader import Settings
from aduana.config.secrets import read_secret
from aduana.state.counters import CounterStore, IdentityHasher
from aduana.state.memory import MemoryCounterStore
from aduana.state.resilient import FailoverCounterStore, StoreStateChange


def build_counter_store(
    settings: Settings, on_state_change: Callable[[StoreStateChange], None]
) -> CounterStore:
    """Memory for one node; Redis shared by many, with memory while Redis is down."""
    state = settings.daemon.state
    secret = read_secret(
        state.hash_secret_env, state.hash_secret_file,
        config_file=settings.config_file, path=("state", "hash_secret"),
    )  # fmt: skip
    hasher = IdentityHasher(secret.encode()) if secret else IdentityHasher()
    local = MemoryCounterStore(hasher=hasher)
    if state.backend == "memory":
        return local
    from aduana.state.redis_store import RedisCounterStore, connect

    password = read_secret(
        state.redis_password_env, state.redis_password_file,
        config_file=settings.config_file, path=("state", "redis_password"),
    )  # fmt: skip
    client = connect(state.redis_url, timeout=state.timeout_seconds, password=password)
    shared = RedisCounterStore(client, key_prefix=state.key_prefix, hasher=hasher)
    return FailoverCounterStore(
        shared, local, on_state_change, retry_after=state.retry_after_seconds
    )
