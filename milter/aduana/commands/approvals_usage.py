"""``aduana report approvals``: each written approval, its status, its expiry and its uses.

Uses come from the review ledger (``approval_uses``), where the daemon counts,
per day, each reason an approval waived. An approval that was used and has
since been removed from the register is still listed, with status
``not in register``, so its history is not lost with it.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from aduana.config.approvals import Approval
from aduana.ledger.review import ApprovalUse
from aduana.policy.approvals import status_on

NOT_IN_REGISTER = "not in register"
_FIELDS = (
    "reference", "status", "organisation", "valid_from", "valid_until", "lifts", "uses",
    "last_used", "waived",
)  # fmt: skip


@dataclass(frozen=True)
class WaivedReason:
    rule: str
    clause: str
    uses: int
    last_used: datetime


@dataclass(frozen=True)
class ApprovalUsage:
    reference: str
    status: str
    organisation: str
    valid_from: date | None
    valid_until: date | None
    lifts: tuple[str, ...]
    waived: tuple[WaivedReason, ...]

    @property
    def uses(self) -> int:
        return sum(w.uses for w in self.waived)

    @property
    def last_used(self) -> datetime | None:
        return max((w.last_used for w in self.waived), default=None)


def approvals_usage(
    approvals: Sequence[Approval], uses: Iterable[ApprovalUse], today: date
) -> list[ApprovalUsage]:
    by_reference: dict[str, dict[tuple[str, str], WaivedReason]] = {}
    for use in uses:
        reasons = by_reference.setdefault(use.reference, {})
        known = reasons.get((use.rule, use.clause))
        reasons[(use.rule, use.clause)] = WaivedReason(
            use.rule,
            use.clause,
            use.uses + (known.uses if known else 0),
            max(use.last, known.last_used) if known else use.last,
        )
    rows = [
        ApprovalUsage(
            a.reference,
            status_on(a, today),
            a.organisation,
            a.valid_from,
            a.valid_until,
            a.lifts,
            tuple(by_reference.pop(a.reference, {}).values()),
        )
        for a in approvals
    ]
    rows += [
        ApprovalUsage(reference, NOT_IN_REGISTER, "", None, None, (), tuple(reasons.values()))
        for reference, reasons in sorted(by_reference.items())
    ]
    return rows


def _document(row: ApprovalUsage) -> dict[str, Any]:
    return {
        "reference": row.reference,
        "status": row.status,
        "organisation": row.organisation,
        "valid_from": row.valid_from.isoformat() if row.valid_from else "",
        "valid_until": row.valid_until.isoformat() if row.valid_until else "",
        "lifts": list(row.lifts),
        "uses": row.uses,
        "last_used": row.last_used.isoformat() if row.last_used else "",
        "waived": [
            {
                "rule": w.rule,
                "clause": w.clause,
                "uses": w.uses,
                "last_used": w.last_used.isoformat(),
            }
            for w in row.waived
        ],
    }


def render_usage(rows: Sequence[ApprovalUsage], output: str) -> str:
    documents = [_document(r) for r in rows]
    if output == "json":
        return json.dumps(documents, ensure_ascii=False, indent=2) + "\n"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(_FIELDS)
    for d in documents:
        waived = "; ".join(f"{w['rule']} ({w['clause']}) x{w['uses']}" for w in d["waived"])
        writer.writerow([*(d[f] for f in _FIELDS[:5]), " ".join(d["lifts"]), d["uses"],
                         d["last_used"], waived])  # fmt: skip
    return out.getvalue()
