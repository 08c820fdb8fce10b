"""``aduana report inactive --notify``: each unit head gets the inactive accounts of their unit.

The head of a unit is the organisation's ``notices.unit_admins[UNIT]``, else its
``notices.admin``. A unit with neither is returned, so the command can say who
was not told instead of skipping it silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby

from aduana.config.loader import Settings
from aduana.ledger import InactiveRow
from aduana.policy.organisations import organisation_by_id
from aduana.policy.verdict import Notice


@dataclass(frozen=True)
class UnitNotices:
    notices: tuple[Notice, ...]
    unheaded: tuple[tuple[str, str], ...]
    """(organisation, unit) with inactive accounts and nobody to tell."""


def _unit(row: InactiveRow) -> tuple[str, str]:
    return (row.organisation, row.unit)


def inactive_notices(settings: Settings, rows: Sequence[InactiveRow], days: int) -> UnitNotices:
    notices: list[Notice] = []
    unheaded: list[tuple[str, str]] = []
    for (organisation_id, unit), members in groupby(sorted(rows, key=_unit), key=_unit):
        accounts = list(members)
        organisation = organisation_by_id(settings, organisation_id)
        head = None
        if organisation is not None:
            head = organisation.notices.unit_admins.get(unit) or organisation.notices.admin
        if organisation is None or not head:
            unheaded.append((organisation_id, unit))
            continue
        templates, language = settings.templates, organisation.language
        lines = [
            f"- {a.address} ({a.name}, {a.rank}): "
            + (a.last_activity.date().isoformat() if a.last_activity else "-")
            for a in accounts
        ]
        values = {"unit": unit or "-", "count": str(len(accounts)), "days": str(days)}
        notices.append(
            Notice(
                sender=organisation.notices.sender or f"postmaster@{organisation.domains[0]}",
                to=head,
                subject=templates.render(language, "inactive_subject", **values),
                body=templates.render(
                    language,
                    "inactive_body",
                    organisation=organisation.name,
                    accounts="\n".join(lines),
                    **values,
                ),
            )
        )
    return UnitNotices(tuple(notices), tuple(unheaded))
