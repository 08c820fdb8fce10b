"""Last sends, the violation ledger, reports and automatic escalation.

Public surface::

    LastSendLedger          protocol: record_send, last_activity, all_last_activity
    ViolationLedger         protocol: record, query, count
    Violation, Severity     one enforced refusal and how grave it is
    LedgerUnavailableError  the backend is locked, down or full
    SqliteLedger            last sends + violations + suspensions in one file (the default)
    inactive_report, InactiveRow, violations_report, ViolationSummary,
    render_csv, render_json
    EscalationPolicy, Escalator, SendingSuspensions, Suspension, SuspensionStore

The Redis last-send backend lives in ``aduana.ledger.redis_last_send``
(``RedisLastSendLedger``) and is not imported here, so one node needs no redis.
"""

from aduana.ledger.escalation import (
    EscalationPolicy,
    Escalator,
    SendingSuspensions,
    Suspension,
    SuspensionStore,
)
from aduana.ledger.last_send import LastSendLedger, LedgerUnavailableError, WriteThrottle
from aduana.ledger.reports import (
    AccountViolations,
    ClauseViolations,
    InactiveRow,
    SeverityCounts,
    UnitViolations,
    ViolationSummary,
    inactive_report,
    render_csv,
    render_json,
    violations_report,
)
from aduana.ledger.sqlite_store import SqliteLedger
from aduana.ledger.violations import Severity, Violation, ViolationLedger

__all__ = [
    "AccountViolations",
    "ClauseViolations",
    "EscalationPolicy",
    "Escalator",
    "InactiveRow",
    "LastSendLedger",
    "LedgerUnavailableError",
    "SendingSuspensions",
    "Severity",
    "SeverityCounts",
    "SqliteLedger",
    "Suspension",
    "SuspensionStore",
    "UnitViolations",
    "Violation",
    "ViolationLedger",
    "ViolationSummary",
    "WriteThrottle",
    "inactive_report",
    "render_csv",
    "render_json",
    "violations_report",
]
