"""What every activity backend promises: the last send of each account, cheaply."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import redis

from aduana.ledger import LastSendLedger
from aduana.ledger.backends import LedgerStore
from aduana.ledger.redis_last_send import RedisLastSendLedger
from aduana.state.redis_store import connect
from tests.support.redis_server import RedisServer, redis_server_available
from tests.support.required_servers import require_server
from tests.unit.ledger.conftest import BACKENDS, store_opener

T0 = datetime(2024, 7, 1, 12, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
MEXICO_CITY = timezone(timedelta(hours=-6))
ANA = "ana.lopez@edomex.gob.mx"
LUIS = "luis.mora@sre.gob.mx"

LedgerFactory = Callable[[timedelta], LastSendLedger]


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    require_server(
        "redis-server",
        redis_server_available(),
        "Debian package 'redis-server' (make system installs it)",
    )
    with RedisServer(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture
def redis_client(redis_server: RedisServer) -> Iterator[redis.Redis]:
    client = connect(redis_server.url)
    client.flushall()
    yield client
    client.close()


@pytest.fixture(params=[*BACKENDS, "redis"])
def new_ledger(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LedgerFactory]:
    """Makes ledgers of one backend with a given write interval."""
    if request.param == "redis":
        client: redis.Redis = request.getfixturevalue("redis_client")
        yield lambda interval: RedisLastSendLedger(client, write_interval=interval)
        return
    opened: list[LedgerStore] = []
    yield store_opener(request.param, request, tmp_path, opened)
    for ledger in opened:
        ledger.close()


@pytest.fixture
def ledger(new_ledger: LedgerFactory) -> LastSendLedger:
    return new_ledger(timedelta(0))


def test_never_seen_account_has_no_activity(ledger: LastSendLedger) -> None:
    assert ledger.last_activity(ANA) is None
    assert ledger.all_last_activity() == {}


@pytest.mark.parametrize(
    ("sends", "expected"),
    [
        pytest.param([T0], T0, id="one send"),
        pytest.param([T0, T0 + 5 * MINUTE], T0 + 5 * MINUTE, id="later send wins"),
        pytest.param([T0 + 5 * MINUTE, T0], T0 + 5 * MINUTE, id="late arrival never regresses"),
        pytest.param(
            [T0.astimezone(MEXICO_CITY)],
            T0,
            id="any timezone, returned in UTC",
        ),
    ],
)
def test_remembers_the_latest_send(
    ledger: LastSendLedger, sends: list[datetime], expected: datetime
) -> None:
    for at in sends:
        ledger.record_send(ANA, at)

    last = ledger.last_activity(ANA)

    assert last == expected
    assert last is not None
    assert last.utcoffset() == timedelta(0)


def test_addresses_match_whatever_their_case(ledger: LastSendLedger) -> None:
    ledger.record_send("Ana.Lopez@EDOMEX.gob.mx", T0)

    assert ledger.last_activity(ANA) == T0
    assert ledger.all_last_activity() == {ANA: T0}


def test_lists_every_account_seen(ledger: LastSendLedger) -> None:
    ledger.record_send(ANA, T0)
    ledger.record_send(LUIS, T0 + MINUTE)

    assert ledger.all_last_activity() == {ANA: T0, LUIS: T0 + MINUTE}


def test_writes_an_account_at_most_once_per_interval(new_ledger: LedgerFactory) -> None:
    ledger = new_ledger(timedelta(minutes=10))

    ledger.record_send(ANA, T0)
    ledger.record_send(ANA, T0 + 9 * MINUTE)
    within_interval = ledger.last_activity(ANA)
    ledger.record_send(ANA, T0 + 10 * MINUTE)

    assert within_interval == T0
    assert ledger.last_activity(ANA) == T0 + 10 * MINUTE


def test_throttles_each_account_separately(new_ledger: LedgerFactory) -> None:
    ledger = new_ledger(timedelta(minutes=10))

    ledger.record_send(ANA, T0)
    ledger.record_send(LUIS, T0 + MINUTE)

    assert ledger.all_last_activity() == {ANA: T0, LUIS: T0 + MINUTE}


def test_refuses_times_without_a_timezone(ledger: LastSendLedger) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        ledger.record_send(ANA, datetime(2024, 7, 1, 12, 0))


def test_two_nodes_see_each_others_sends(new_ledger: LedgerFactory) -> None:
    first, second = new_ledger(timedelta(minutes=10)), new_ledger(timedelta(minutes=10))

    first.record_send(ANA, T0)
    second.record_send(ANA, T0 + MINUTE)
    second.record_send(LUIS, T0)

    assert first.all_last_activity() == {ANA: T0 + MINUTE, LUIS: T0}
