"""What only the SQLite ledger promises: many threads and processes, one durable file."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from aduana.ledger import LedgerUnavailableError, Severity, SqliteLedger, Violation
from aduana.policy.verdict import Action

T0 = datetime(2024, 7, 1, 12, 0, tzinfo=UTC)
THREADS = 8
SENDS_PER_THREAD = 1_000
ACCOUNTS = 100


def _address(n: int) -> str:
    return f"usuario{n:03d}@edomex.gob.mx"


def _run_threads(work: Callable[[int], None]) -> list[BaseException]:
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def run(worker: int) -> None:
        start.wait()
        try:
            work(worker)
        except BaseException as error:  # collected and asserted by the test
            errors.append(error)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def _send_time(worker: int, n: int) -> datetime:
    return T0 + timedelta(seconds=worker * SENDS_PER_THREAD + n)


def test_eight_threads_lose_no_send(tmp_path: Path) -> None:
    """Every thread's sends land; each account ends with its latest send of all threads.

    Half the threads write through a second ledger on the same file, as the
    CLI or a second daemon would.
    """
    ledgers = [SqliteLedger(tmp_path / "ledger.db", write_interval=timedelta(0)) for _ in "ab"]

    def work(worker: int) -> None:
        ledger = ledgers[worker % 2]
        for n in range(SENDS_PER_THREAD):
            ledger.record_send(_address((worker * 7 + n) % ACCOUNTS), _send_time(worker, n))

    errors = _run_threads(work)

    expected: dict[str, datetime] = {}
    for worker in range(THREADS):
        for n in range(SENDS_PER_THREAD):
            address = _address((worker * 7 + n) % ACCOUNTS)
            expected[address] = max(expected.get(address, T0), _send_time(worker, n))
    assert errors == []
    assert ledgers[0].all_last_activity() == expected
    for ledger in ledgers:
        ledger.close()


def test_eight_threads_record_every_violation(tmp_path: Path) -> None:
    per_thread = 100
    with SqliteLedger(tmp_path / "ledger.db") as ledger:

        def work(worker: int) -> None:
            for n in range(per_thread):
                ledger.record(
                    Violation(
                        at=_send_time(worker, n),
                        address=_address(worker),
                        organisation="edomex",
                        unit="Dirección de Informática",
                        rule="attachments",
                        clause="EDOMEX Prohibiciones b",
                        severity=Severity.MEDIUM,
                        action=Action.REJECT,
                        queue_id=f"Q{worker}{n}",
                    )
                )

        errors = _run_threads(work)

        assert errors == []
        assert len(ledger.query(T0, T0 + timedelta(days=1))) == THREADS * per_thread
        assert ledger.count(_address(3), Severity.MEDIUM, T0) == per_thread


def test_keeps_everything_after_reopening(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    with SqliteLedger(path) as ledger:
        ledger.record_send(_address(1), T0)

    with SqliteLedger(path) as reopened:
        assert reopened.last_activity(_address(1)) == T0


def test_uses_write_ahead_logging_so_reports_read_while_the_daemon_writes(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ledger.db"
    with SqliteLedger(path):
        mode = sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0]

    assert mode == "wal"


def test_a_locked_database_is_reported_not_waited_on_forever(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    with SqliteLedger(path, busy_timeout=0.05, write_interval=timedelta(minutes=10)) as ledger:
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")

        with pytest.raises(LedgerUnavailableError, match="locked"):
            ledger.record_send(_address(1), T0)
        holder.execute("ROLLBACK")
        holder.close()
        ledger.record_send(_address(1), T0 + timedelta(seconds=1))

        assert ledger.last_activity(_address(1)) == T0 + timedelta(seconds=1)


def test_an_unopenable_path_is_reported(tmp_path: Path) -> None:
    with pytest.raises(LedgerUnavailableError, match="unable to open"):
        SqliteLedger(tmp_path / "missing" / "ledger.db")
