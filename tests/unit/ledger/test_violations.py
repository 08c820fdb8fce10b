"""The violation ledger keeps each enforced refusal and answers by period and sender.

Every ledger test runs against SQLite and PostgreSQL (``ledger`` in conftest.py).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from aduana.directory.account import Account
from aduana.ledger import Severity, Violation
from aduana.ledger.backends import LedgerStore
from aduana.policy.verdict import Action, Reason

T0 = datetime(2024, 7, 1, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
ANA = "ana.lopez@edomex.gob.mx"


def _violation(at: datetime, severity: Severity = Severity.MEDIUM, address: str = ANA) -> Violation:
    return Violation(
        at=at,
        address=address,
        organisation="edomex",
        unit="Dirección de Informática",
        rule="attachments",
        clause="EDOMEX Prohibiciones b",
        severity=severity,
        action=Action.REJECT,
        queue_id="4XyZ1",
    )


def test_returns_a_violation_exactly_as_recorded(ledger: LedgerStore) -> None:
    violation = _violation(T0)
    ledger.record(violation)

    assert ledger.query(T0, T0 + HOUR) == [violation]


@pytest.mark.parametrize(
    ("offsets", "expected"),
    [
        pytest.param([0, 1, 2], [0, 1], id="until is excluded"),
        pytest.param([-1, 0], [0], id="since is included"),
        pytest.param([1, 0], [0, 1], id="oldest first"),
    ],
)
def test_query_returns_the_period_oldest_first(
    ledger: LedgerStore, offsets: list[int], expected: list[int]
) -> None:
    for offset in offsets:
        ledger.record(_violation(T0 + offset * HOUR))

    found = ledger.query(T0, T0 + 2 * HOUR)

    assert [v.at for v in found] == [T0 + offset * HOUR for offset in expected]


def test_counts_a_senders_violations_of_one_severity_since_a_time(ledger: LedgerStore) -> None:
    ledger.record(_violation(T0 - HOUR, Severity.HIGH))
    ledger.record(_violation(T0, Severity.HIGH))
    ledger.record(_violation(T0 + HOUR, Severity.HIGH, address="Ana.Lopez@Edomex.gob.mx"))
    ledger.record(_violation(T0 + HOUR, Severity.LOW))
    ledger.record(_violation(T0 + HOUR, Severity.HIGH, address="luis.mora@edomex.gob.mx"))

    assert ledger.count(ANA, Severity.HIGH, T0) == 2
    assert ledger.count(ANA, Severity.LOW, T0) == 1
    assert ledger.count(ANA, Severity.MEDIUM, T0) == 0


def test_builds_a_violation_from_the_decisive_reason_and_the_account() -> None:
    reason = Reason(
        rule="attachments",
        clause="EDOMEX Prohibiciones b",
        detail="ejecutable en zip",
        action=Action.REJECT,
    )
    account = Account(
        address=ANA, name="Ana López", rank="jefe de departamento", unit="Informática",
        organisation="edomex",
    )  # fmt: skip

    violation = Violation.of(reason, account, at=T0, severity=Severity.HIGH, queue_id="4XyZ1")

    assert violation == Violation(
        at=T0, address=ANA, organisation="edomex", unit="Informática", rule="attachments",
        clause="EDOMEX Prohibiciones b", severity=Severity.HIGH, action=Action.REJECT,
        queue_id="4XyZ1",
    )  # fmt: skip
