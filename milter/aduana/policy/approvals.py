"""Applying the register of written approvals to the reasons the rules found.

A reason that an approval lifts stays in the verdict, unenforced, with the
approval's reference, so every use of an approval reaches the audit log.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from aduana.config.approvals import Approval
from aduana.directory.account import Account
from aduana.policy.verdict import Reason


def waive(
    reasons: tuple[Reason, ...],
    approvals: tuple[Approval, ...],
    account: Account | None,
    day: date | None,
) -> tuple[Reason, ...]:
    if account is None or day is None or not approvals:
        return reasons
    return tuple(_waive_one(r, approvals, account, day) for r in reasons)


def _waive_one(
    reason: Reason, approvals: tuple[Approval, ...], account: Account, day: date
) -> Reason:
    if reason.waivable_as is None or not reason.enforced:
        return reason
    for approval in approvals:
        if (
            reason.waivable_as in approval.lifts
            and valid_on(approval, day)
            and covers(approval, account)
        ):
            return replace(reason, enforced=False, lifted_by=approval.reference)
    return reason


def covers(approval: Approval, account: Account) -> bool:
    if account.organisation != approval.organisation:
        return False
    return any(account.owns(a) for a in approval.accounts) or account.unit in approval.units


def valid_on(approval: Approval, day: date) -> bool:
    return approval.valid_from <= day <= approval.valid_until


def status_on(approval: Approval, day: date) -> str:
    if day < approval.valid_from:
        return "pending"
    return "valid" if day <= approval.valid_until else "expired"
