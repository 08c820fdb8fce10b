"""Ledgering after each decision: last sends, violations and escalation.

After each decision: the last authenticated send of the account is recorded
(for the 6-month inactivity report), every enforced refusal is recorded
against the account, and escalation may suspend the account's sending.

The decision never waits on the ledger: when the backend is unreachable, a
write that fails is logged (``ledger_unavailable``) and counted
(``aduana_ledger_write_failures_total``), and the refusal stands. Only the
suspension look-up at MAIL FROM cannot be skipped: it raises, and the adapter
answers 4xx (``aduana_backend_tempfails_total{backend="ledger"}``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from structlog.typing import FilteringBoundLogger

from aduana.config.loader import Settings
from aduana.config.schema import LedgerSettings
from aduana.gateway.send_counts import SENT
from aduana.ledger import (
    EscalationPolicy,
    Escalator,
    LastSendLedger,
    LedgerUnavailableError,
    SendingSuspensions,
    Severity,
    Suspension,
    Violation,
)
from aduana.ledger.backends import (
    LedgerStore,
    last_send_ledger,
    open_ledger,
    open_review_ledger,
)
from aduana.ledger.review import ReviewLedger, record_decision
from aduana.observability.metrics import Metrics
from aduana.policy.facts import TransactionFacts
from aduana.policy.rule_ids import RuleId
from aduana.policy.verdict import Action, Reason, Verdict

_RECORDED = (Action.REJECT, Action.QUARANTINE, Action.DISCARD)
# Refusing a suspended sender is the sanction itself, not a new fault.
_NOT_A_FAULT = frozenset({RuleId.SENDING_SUSPENDED})


def severity_of(settings: LedgerSettings, reason: Reason) -> Severity:
    """By rule id, else by rule family ('encryption' for 'encryption.unauthorised')."""
    family = reason.rule.split(".", 1)[0]
    name = settings.severities.get(reason.rule) or settings.severities.get(family)
    return Severity(name or settings.default_severity)


@dataclass
class Sanctions:
    settings: LedgerSettings
    ledger: LedgerStore
    last_sends: LastSendLedger
    suspensions: SendingSuspensions
    escalator: Escalator
    metrics: Metrics
    logger: FilteringBoundLogger
    review: ReviewLedger | None = None
    """Hold records and approval uses (ledger/review.py), beside the ledger."""

    @classmethod
    def open(cls, settings: Settings, metrics: Metrics, logger: FilteringBoundLogger) -> Sanctions:
        ledger_settings = settings.daemon.ledger
        ledger = open_ledger(settings)
        suspensions = SendingSuspensions(
            ledger, refresh_seconds=ledger_settings.suspension_refresh_seconds
        )
        policies = [
            EscalationPolicy(Severity(e.severity), e.threshold, e.window)
            for e in ledger_settings.escalation
        ]
        escalator = Escalator(policies, ledger, suspensions)
        last_sends = last_send_ledger(settings, ledger)
        review = open_review_ledger(settings)
        return cls(
            ledger_settings, ledger, last_sends, suspensions, escalator, metrics, logger, review
        )

    def is_suspended(self, address: str) -> bool:
        return bool(address) and self.suspensions.is_suspended(address)

    def after_decision(self, facts: TransactionFacts, verdict: Verdict, at: datetime) -> None:
        if self.review is not None:
            try:
                record_decision(self.review, facts, verdict, at)
            except LedgerUnavailableError as error:
                self._write_failed("review", error)
        identity = facts.identity
        if identity.login_account is not None and verdict.action in SENT:
            try:
                self.last_sends.record_send(identity.login_account.address, at)
            except LedgerUnavailableError as error:
                self._write_failed("activity", error)
        # Only an authenticated login proves who acted: an unauthenticated sender
        # address can be forged, and five forgeries must not suspend a real account.
        account = identity.login_account
        if account is None:
            return
        queue_id = facts.content.queue_id if facts.content else None
        for reason in verdict.reasons:
            if not reason.enforced or reason.action not in _RECORDED or reason.rule in _NOT_A_FAULT:
                continue
            violation = Violation.of(
                reason, account, at=at, severity=severity_of(self.settings, reason),
                queue_id=queue_id,
            )  # fmt: skip
            try:
                self.ledger.record(violation)
                suspension = self.escalator.after_violation(violation)
            except LedgerUnavailableError as error:
                # Escalation is weighed again at the account's next violation.
                self._write_failed("violation", error)
                continue
            if suspension is not None:
                self._report(suspension)

    def _write_failed(self, record: str, error: LedgerUnavailableError) -> None:
        self.metrics.ledger_write_failures.labels(record=record).inc()
        self.logger.warning("ledger_unavailable", record=record, error=str(error))

    def _report(self, suspension: Suspension) -> None:
        self.metrics.sending_suspensions.inc()
        self.logger.warning(
            "sending_suspended",
            address=suspension.address,
            reason=suspension.reason,
            by_rule=suspension.by_rule,
        )

    def close(self) -> None:
        self.ledger.close()
        if self.review is not None:
            self.review.close()
