"""Automatic escalation: N violations of a severity within a window suspend sending."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from aduana.ledger import (
    EscalationPolicy,
    Escalator,
    SendingSuspensions,
    Severity,
    Suspension,
    Violation,
)
from aduana.ledger.backends import LedgerStore
from aduana.policy.verdict import Action
from tests.unit.ledger.conftest import OpenStore

T0 = datetime(2024, 7, 1, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
DAY_SECONDS = 86_400
ANA = "ana.lopez@edomex.gob.mx"
LUIS = "luis.mora@edomex.gob.mx"
THREE_HIGH_A_DAY = EscalationPolicy(Severity.HIGH, threshold=3, window_seconds=DAY_SECONDS)


class SteppedClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _violation(at: datetime, severity: Severity = Severity.HIGH, address: str = ANA) -> Violation:
    return Violation(
        at=at, address=address, organisation="edomex", unit="Informática", rule="attachments",
        clause="EDOMEX Prohibiciones b", severity=severity, action=Action.REJECT, queue_id="Q",
    )  # fmt: skip


class Gateway:
    """What the adapter does on each enforced refusal: record, then escalate."""

    def __init__(self, ledger: LedgerStore, policies: list[EscalationPolicy]) -> None:
        self.clock = SteppedClock()
        self.ledger = ledger
        self.suspensions = SendingSuspensions(ledger, monotonic=self.clock)
        self.escalator = Escalator(policies, ledger, self.suspensions)

    def refuse(
        self, at: datetime, severity: Severity = Severity.HIGH, address: str = ANA
    ) -> Suspension | None:
        violation = _violation(at, severity, address)
        self.ledger.record(violation)
        return self.escalator.after_violation(violation)


@pytest.fixture
def gateway(ledger: LedgerStore) -> Gateway:
    return Gateway(ledger, [THREE_HIGH_A_DAY])


def test_suspends_at_exactly_the_threshold_not_before(gateway: Gateway) -> None:
    outcomes = [gateway.refuse(T0 + n * HOUR) for n in range(3)]

    assert outcomes[:2] == [None, None]
    assert outcomes[2] == Suspension(
        address=ANA,
        reason="3 high violations within 86400 s; last: EDOMEX Prohibiciones b (attachments)",
        since=T0 + 2 * HOUR,
        by_rule="escalation:high:3/86400s",
    )
    assert gateway.suspensions.is_suspended(ANA)
    assert gateway.suspensions.is_suspended("Ana.Lopez@EDOMEX.gob.mx")
    assert not gateway.suspensions.is_suspended(LUIS)


@pytest.mark.parametrize(
    ("hours", "suspended"),
    [
        pytest.param([0, 12, 24], True, id="oldest exactly one window back still counts"),
        pytest.param([0, 12, 25], False, id="oldest slid out of the window"),
        pytest.param([0, 30, 40, 50], True, id="three fresh ones after an old one"),
        pytest.param([0, 30, 60, 90], False, id="steady but slow"),
    ],
)
def test_counts_only_violations_within_the_window(
    gateway: Gateway, hours: list[int], suspended: bool
) -> None:
    for hour in hours:
        gateway.refuse(T0 + hour * HOUR)

    assert gateway.suspensions.is_suspended(ANA) is suspended


@pytest.mark.parametrize(
    ("severities", "suspended"),
    [
        ([Severity.HIGH, Severity.HIGH, Severity.MEDIUM], False),
        ([Severity.LOW] * 10, False),
        ([Severity.MEDIUM] * 5, True),
        ([Severity.HIGH, Severity.MEDIUM, Severity.HIGH, Severity.HIGH], True),
    ],
)
def test_each_policy_counts_only_its_own_severity(
    ledger: LedgerStore, severities: list[Severity], suspended: bool
) -> None:
    five_medium_a_day = EscalationPolicy(Severity.MEDIUM, threshold=5, window_seconds=DAY_SECONDS)
    gateway = Gateway(ledger, [THREE_HIGH_A_DAY, five_medium_a_day])

    for n, severity in enumerate(severities):
        gateway.refuse(T0 + n * HOUR, severity)

    assert gateway.suspensions.is_suspended(ANA) is suspended


def test_counts_each_sender_separately(gateway: Gateway) -> None:
    gateway.refuse(T0)
    gateway.refuse(T0, address=LUIS)
    gateway.refuse(T0 + HOUR)
    gateway.refuse(T0 + HOUR, address=LUIS)

    assert gateway.suspensions.list_active() == []


def test_reports_a_suspension_only_once(gateway: Gateway) -> None:
    outcomes = [gateway.refuse(T0 + n * HOUR) for n in range(5)]

    assert [o is not None for o in outcomes] == [False, False, True, False, False]
    assert len(gateway.suspensions.list_active()) == 1


def test_reversal_lifts_the_suspension_and_starts_a_clean_slate(gateway: Gateway) -> None:
    for n in range(3):
        gateway.refuse(T0 + n * HOUR)

    lifted = gateway.suspensions.reverse(ANA, by="admin@edomex.gob.mx", at=T0 + 3 * HOUR)
    again = [gateway.refuse(T0 + (4 + n) * HOUR) for n in range(3)]

    assert lifted is not None
    assert lifted.reversed_at == T0 + 3 * HOUR
    assert lifted.reversed_by == "admin@edomex.gob.mx"
    assert not lifted.active
    assert again[:2] == [None, None], "violations before the reversal no longer count"
    assert again[2] is not None
    assert gateway.suspensions.is_suspended(ANA)


def test_reversing_an_account_that_is_not_suspended_changes_nothing(gateway: Gateway) -> None:
    assert gateway.suspensions.reverse(ANA, by="admin", at=T0) is None
    assert gateway.suspensions.list_active() == []


def test_manual_suspension_is_kept_once_and_listed(gateway: Gateway) -> None:
    first = gateway.suspensions.suspend(ANA, "solicitud del titular, oficio 123", T0)
    second = gateway.suspensions.suspend(ANA, "otra vez", T0 + HOUR)

    assert first == Suspension(ANA, "solicitud del titular, oficio 123", T0, "manual")
    assert second is None
    assert gateway.suspensions.list_active() == [first]
    assert gateway.escalator.after_violation(_violation(T0 + 2 * HOUR)) is None


def test_another_process_sees_a_reversal_within_the_refresh_interval(
    ledger: LedgerStore, new_store: OpenStore
) -> None:
    daemon = Gateway(ledger, [THREE_HIGH_A_DAY])
    for n in range(3):
        daemon.refuse(T0 + n * HOUR)

    SendingSuspensions(new_store()).reverse(ANA, by="admin", at=T0 + 3 * HOUR)
    daemon.clock.now += 1.0
    before_refresh = daemon.suspensions.is_suspended(ANA)
    daemon.clock.now += 1.0
    after_refresh = daemon.suspensions.is_suspended(ANA)

    assert before_refresh, "answered from memory until the cache is refreshed"
    assert not after_refresh


def test_another_process_sees_a_suspension_within_the_refresh_interval(
    ledger: LedgerStore, new_store: OpenStore
) -> None:
    daemon = Gateway(ledger, [THREE_HIGH_A_DAY])
    assert not daemon.suspensions.is_suspended(ANA)

    SendingSuspensions(new_store()).suspend(ANA, "oficio 123", T0)
    daemon.clock.now += 2.0

    assert daemon.suspensions.is_suspended(ANA)


@pytest.mark.parametrize(("threshold", "window"), [(0, 60), (3, 0)])
def test_refuses_a_policy_that_could_never_make_sense(threshold: int, window: int) -> None:
    with pytest.raises(ValueError, match="escalation"):
        EscalationPolicy(Severity.HIGH, threshold=threshold, window_seconds=window)
