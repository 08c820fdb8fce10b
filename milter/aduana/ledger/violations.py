"""Enforced refusals recorded against the account that sent them.

The caller records only what was enforced (a monitored reason refused nothing)
and decides the severity; `Violation.of` builds one from the decisive reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from aduana.directory.account import Account
from aduana.policy.verdict import Action, Reason


class Severity(StrEnum):
    """How grave a fault is; the sanctions sections scale suspension by it."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


@dataclass(frozen=True)
class Violation:
    """One enforced refusal: who, when, which rule and clause, how grave."""

    at: datetime
    address: str
    organisation: str
    unit: str
    rule: str
    clause: str
    severity: Severity
    action: Action
    queue_id: str = ""

    @classmethod
    def of(
        cls,
        reason: Reason,
        account: Account,
        *,
        at: datetime,
        severity: Severity,
        queue_id: str | None = None,
    ) -> Violation:
        return cls(
            at=at,
            address=account.address,
            organisation=account.organisation,
            unit=account.unit,
            rule=reason.rule,
            clause=reason.clause,
            severity=severity,
            action=reason.action,
            queue_id=queue_id or "",
        )


class ViolationLedger(Protocol):
    """Keeps violations and answers the questions reports and escalation ask."""

    def record(self, violation: Violation) -> None: ...

    def query(self, since: datetime, until: datetime) -> list[Violation]:
        """Violations with ``since <= at < until``, oldest first."""
        ...

    def count(self, address: str, severity: Severity, since: datetime) -> int:
        """How many violations of exactly ``severity`` by ``address`` at or after ``since``."""
        ...
