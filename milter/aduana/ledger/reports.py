"""Reports for the unit heads and the administrators: inactive accounts, violations.

Edomex: an account inactive for six months is deactivated and the head of its
unit is told. `inactive_report` lists the candidates, grouped by unit; the CLI
renders them as CSV (one flat table) or JSON (one object per unit).
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby
from typing import Any, TypeVar

from aduana.directory.account import Account, AccountStatus
from aduana.ledger.last_send import address_key
from aduana.ledger.violations import Severity, Violation

NEVER = "never"

_Key = TypeVar("_Key", bound=tuple[str, ...])
_Row = TypeVar("_Row")


@dataclass(frozen=True)
class InactiveRow:
    """An active account with no authenticated send in the report's period."""

    organisation: str
    unit: str
    address: str
    name: str
    rank: str
    last_activity: datetime | None
    """None when the gateway never saw it send."""


def inactive_report(
    accounts: Iterable[Account],
    activity: Mapping[str, datetime],
    now: datetime,
    days: int = 180,
) -> list[InactiveRow]:
    """Active accounts whose last send is more than ``days`` before ``now``, or never.

    ``activity`` is keyed by casefolded address (`LastSendLedger.all_last_activity`);
    a send from one of the account's aliases counts as the account's. Suspended
    and cancelled accounts are left out: they are already being dealt with.
    Rows are sorted by organisation, unit and address.
    """
    cutoff = now - timedelta(days=days)
    rows = []
    for account in accounts:
        if account.status is not AccountStatus.ACTIVE:
            continue
        seen = [
            activity[key]
            for key in map(address_key, (account.address, *account.aliases))
            if key in activity
        ]
        last = max(seen, default=None)
        if last is None or last < cutoff:
            rows.append(
                InactiveRow(
                    organisation=account.organisation,
                    unit=account.unit,
                    address=account.address,
                    name=account.name,
                    rank=account.rank,
                    last_activity=last,
                )
            )
    return sorted(rows, key=lambda r: (r.organisation, r.unit, address_key(r.address)))


@dataclass(frozen=True)
class SeverityCounts:
    low: int = 0
    medium: int = 0
    high: int = 0

    @property
    def total(self) -> int:
        return self.low + self.medium + self.high

    @property
    def ranking(self) -> tuple[int, int, int]:
        """Sort key: most violations first, then the gravest."""
        return (-self.total, -self.high, -self.medium)

    @classmethod
    def of(cls, violations: Iterable[Violation]) -> SeverityCounts:
        counts = Counter(v.severity for v in violations)
        return cls(counts[Severity.LOW], counts[Severity.MEDIUM], counts[Severity.HIGH])


@dataclass(frozen=True)
class AccountViolations:
    organisation: str
    unit: str
    address: str
    counts: SeverityCounts


@dataclass(frozen=True)
class UnitViolations:
    organisation: str
    unit: str
    counts: SeverityCounts


@dataclass(frozen=True)
class ClauseViolations:
    clause: str
    counts: SeverityCounts


@dataclass(frozen=True)
class ViolationSummary:
    """Violations in ``[since, until)`` counted per severity; most and gravest first."""

    since: datetime
    until: datetime
    total: SeverityCounts
    by_account: tuple[AccountViolations, ...]
    by_unit: tuple[UnitViolations, ...]
    by_clause: tuple[ClauseViolations, ...]


def violations_report(
    violations: Iterable[Violation], since: datetime, until: datetime
) -> ViolationSummary:
    """Summarise the violations with ``since <= at < until`` by account, unit and clause."""
    period = [v for v in violations if since <= v.at < until]
    by_account = _tally(
        period,
        lambda v: (v.organisation, v.unit, address_key(v.address)),
        lambda key, counts: AccountViolations(*key, counts=counts),
    )
    by_unit = _tally(
        period,
        lambda v: (v.organisation, v.unit),
        lambda key, counts: UnitViolations(*key, counts=counts),
    )
    by_clause = _tally(
        period, lambda v: (v.clause,), lambda key, counts: ClauseViolations(*key, counts=counts)
    )
    return ViolationSummary(
        since=since,
        until=until,
        total=SeverityCounts.of(period),
        by_account=by_account,
        by_unit=by_unit,
        by_clause=by_clause,
    )


def _tally(
    violations: Sequence[Violation],
    key: Callable[[Violation], _Key],
    row: Callable[[_Key, SeverityCounts], _Row],
) -> tuple[_Row, ...]:
    groups: dict[_Key, list[Violation]] = {}
    for violation in violations:
        groups.setdefault(key(violation), []).append(violation)
    counted = [(k, SeverityCounts.of(vs)) for k, vs in groups.items()]
    counted.sort(key=lambda item: (*item[1].ranking, item[0]))
    return tuple(row(k, counts) for k, counts in counted)


# rendering

_INACTIVE_FIELDS = ("organisation", "unit", "address", "name", "rank", "last_activity")
_SUMMARY_FIELDS = (
    "section", "organisation", "unit", "address", "clause", "low", "medium", "high", "total",
)  # fmt: skip


def render_csv(report: Sequence[InactiveRow] | ViolationSummary) -> str:
    """Inactive rows as one table; a summary as one table with a ``section`` column."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if isinstance(report, ViolationSummary):
        writer.writerow(_SUMMARY_FIELDS)
        writer.writerows(_summary_records(report))
    else:
        writer.writerow(_INACTIVE_FIELDS)
        for r in report:
            writer.writerow(
                (r.organisation, r.unit, r.address, r.name, r.rank, _when(r.last_activity))
            )
    return out.getvalue()


def render_json(report: Sequence[InactiveRow] | ViolationSummary) -> str:
    """Inactive rows as one object per unit; a summary as its three breakdowns."""
    document: Any
    if isinstance(report, ViolationSummary):
        document = _summary_document(report)
    else:
        document = _inactive_document(report)
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _when(at: datetime | None) -> str:
    return NEVER if at is None else at.isoformat()


def _unit_of(row: InactiveRow) -> tuple[str, str]:
    return (row.organisation, row.unit)


def _inactive_document(rows: Sequence[InactiveRow]) -> list[dict[str, Any]]:
    return [
        {
            "organisation": organisation,
            "unit": unit,
            "accounts": [
                {
                    "address": r.address,
                    "name": r.name,
                    "rank": r.rank,
                    "last_activity": _when(r.last_activity),
                }
                for r in members
            ],
        }
        for (organisation, unit), members in groupby(sorted(rows, key=_unit_of), key=_unit_of)
    ]


def _counts(counts: SeverityCounts) -> dict[str, int]:
    return {"low": counts.low, "medium": counts.medium, "high": counts.high, "total": counts.total}


def _summary_document(summary: ViolationSummary) -> dict[str, Any]:
    return {
        "since": summary.since.isoformat(),
        "until": summary.until.isoformat(),
        "total": _counts(summary.total),
        "by_account": [
            {"organisation": a.organisation, "unit": a.unit, "address": a.address}
            | _counts(a.counts)
            for a in summary.by_account
        ],
        "by_unit": [
            {"organisation": u.organisation, "unit": u.unit} | _counts(u.counts)
            for u in summary.by_unit
        ],
        "by_clause": [{"clause": c.clause} | _counts(c.counts) for c in summary.by_clause],
    }


def _summary_records(summary: ViolationSummary) -> Iterable[tuple[str | int, ...]]:
    def numbers(counts: SeverityCounts) -> tuple[int, ...]:
        return (counts.low, counts.medium, counts.high, counts.total)

    for a in summary.by_account:
        yield ("account", a.organisation, a.unit, a.address, "", *numbers(a.counts))
    for u in summary.by_unit:
        yield ("unit", u.organisation, u.unit, "", "", *numbers(u.counts))
    for c in summary.by_clause:
        yield ("clause", "", "", "", c.clause, *numbers(c.counts))
