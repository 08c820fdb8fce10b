"""Choosing where the last sends are kept: the node's SQLite ledger, or a shared Redis."""

from __future__ import annotations

from aduana.config.loader import Settings
from aduana.config.secrets import read_secret
from aduana.ledger.last_send import LastSendLedger
from aduana.ledger.sqlite_store import SqliteLedger


def last_send_ledger(settings: Settings, sqlite: SqliteLedger) -> LastSendLedger:
    """SQLite by default; Redis when ``ledger.activity_backend: redis``, so every node
    records the last send of accounts that authenticate on any of them."""
    if settings.daemon.ledger.activity_backend == "sqlite":
        return sqlite
    from aduana.ledger.redis_last_send import RedisLastSendLedger
    from aduana.state.redis_store import connect

    state = settings.daemon.state
    password = read_secret(
        state.redis_password_env, state.redis_password_file,
        config_file=settings.config_file, path=("state", "redis_password"),
    )  # fmt: skip
    client = connect(state.redis_url, timeout=state.timeout_seconds, password=password)
    return RedisLastSendLedger(client, key=f"{state.key_prefix}activity")
