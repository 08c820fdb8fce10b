"""Redis last-send backend: every gateway node records into one hash.

Layout: ``KEY`` (default ``aduana:activity``) is a hash of casefolded address ->
epoch seconds of the last send. Unlike the counters, it holds plain addresses:
the inactivity report must name the accounts. The hash never expires.

Connection errors and timeouts become `LedgerUnavailableError`; any other Redis
error is a configuration fault and propagates. Use a fast-failing client
(`aduana.state.redis_store.connect`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import redis

from aduana.ledger.last_send import (
    DEFAULT_WRITE_INTERVAL,
    LedgerUnavailableError,
    WriteThrottle,
    address_key,
)

# Only ever moves forward, so nodes with skewed clocks or late writes cannot regress it.
_RECORD = """
local old = tonumber(redis.call('HGET', KEYS[1], ARGV[1]))
if old == nil or old < tonumber(ARGV[2]) then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
end
"""


class RedisLastSendLedger:
    """`LastSendLedger` shared by every node that points at the same Redis and key."""

    def __init__(
        self,
        client: redis.Redis,
        *,
        key: str = "aduana:activity",
        write_interval: timedelta = DEFAULT_WRITE_INTERVAL,
    ) -> None:
        self._client = client
        self._key = key
        self._throttle = WriteThrottle(write_interval)
        self._record = client.register_script(_RECORD)

    def record_send(self, address: str, at: datetime) -> None:
        key = address_key(address)
        epoch = _epoch(at)
        if not self._throttle.admit(key, at):
            return
        try:
            self._call(lambda: self._record(keys=[self._key], args=[key, epoch]))
        except LedgerUnavailableError:
            self._throttle.forget(key, at)
            raise

    def last_activity(self, address: str) -> datetime | None:
        raw = self._call(lambda: self._client.hget(self._key, address_key(address)))
        return None if raw is None else _datetime(raw)

    def all_last_activity(self) -> Mapping[str, datetime]:
        raw = self._call(lambda: list(self._client.hscan_iter(self._key, count=1000)))
        return {_text(address): _datetime(epoch) for address, epoch in raw}

    def _call(self, operation: Callable[[], Any]) -> Any:
        try:
            return operation()
        except (redis.ConnectionError, redis.TimeoutError) as error:
            raise LedgerUnavailableError(f"redis: {error}") from error


def _epoch(at: datetime) -> int:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"ledger times must be timezone-aware: {at!r}")
    return int(at.timestamp())


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _datetime(raw: bytes | str) -> datetime:
    return datetime.fromtimestamp(int(_text(raw)), UTC)
