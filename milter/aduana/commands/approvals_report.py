"""``aduana approvals list``: the register as a table or JSON, with each entry's status."""

from __future__ import annotations

import json
from datetime import date

from aduana.config.approvals import Approval
from aduana.policy.approvals import status_on

_COLUMNS = ("reference", "status", "organisation", "covers", "lifts", "valid", "approver")


def render_approvals(approvals: tuple[Approval, ...], today: date, output: str) -> str:
    rows = [
        {
            "reference": a.reference,
            "status": status_on(a, today),
            "organisation": a.organisation,
            "covers": "; ".join((*a.accounts, *(f"unit: {u}" for u in a.units))),
            "lifts": ", ".join(a.lifts),
            "valid": f"{a.valid_from.isoformat()} .. {a.valid_until.isoformat()}",
            "approver": a.approver,
        }
        for a in approvals
    ]
    if output == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2)
    widths = {c: max([len(c), *(len(r[c]) for r in rows)]) for c in _COLUMNS}
    lines = ["  ".join(c.ljust(widths[c]) for c in _COLUMNS)]
    lines += ["  ".join(r[c].ljust(widths[c]) for c in _COLUMNS) for r in rows]
    return "\n".join(line.rstrip() for line in lines)
