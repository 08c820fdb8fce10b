"""Reports the unit heads and administrators read: inactive accounts, violations."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from aduana.directory.account import Account, AccountStatus
from aduana.ledger import (
    AccountViolations,
    ClauseViolations,
    InactiveRow,
    Severity,
    SeverityCounts,
    UnitViolations,
    Violation,
    inactive_report,
    render_csv,
    render_json,
    violations_report,
)
from aduana.policy.verdict import Action

NOW = datetime(2025, 1, 15, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
INFORMATICA = "Dirección de Informática"
PLANEACION = "Planeación"


def _account(
    address: str,
    unit: str,
    status: AccountStatus = AccountStatus.ACTIVE,
    aliases: tuple[str, ...] = (),
) -> Account:
    return Account(
        address=address,
        name=address.split("@", maxsplit=1)[0].replace(".", " ").title(),
        rank="jefe de departamento",
        unit=unit,
        organisation="edomex",
        status=status,
        aliases=aliases,
    )


ACCOUNTS = [
    _account("zoe.ruiz@edomex.gob.mx", INFORMATICA),
    _account("ana.lopez@edomex.gob.mx", INFORMATICA),
    _account("beto.diaz@edomex.gob.mx", PLANEACION),
    _account("carla.vega@edomex.gob.mx", PLANEACION),
    _account("dora.paz@edomex.gob.mx", PLANEACION, AccountStatus.SUSPENDED),
    _account("eva.sol@edomex.gob.mx", INFORMATICA, AccountStatus.CANCELLED),
    _account("Fer.Gil@edomex.gob.mx", INFORMATICA),
    _account("gael.rey@edomex.gob.mx", PLANEACION, aliases=("direccion@edomex.gob.mx",)),
]

ACTIVITY = {
    "zoe.ruiz@edomex.gob.mx": NOW - 181 * DAY,  # inactive
    # ana.lopez: never seen -> inactive
    "beto.diaz@edomex.gob.mx": NOW - 10 * DAY,  # active
    "carla.vega@edomex.gob.mx": NOW - 180 * DAY,  # exactly 180 days: still within
    # dora.paz, eva.sol: suspended / cancelled -> never listed
    "fer.gil@edomex.gob.mx": NOW - 400 * DAY,  # inactive, directory spells it in capitals
    "gael.rey@edomex.gob.mx": NOW - 300 * DAY,
    "direccion@edomex.gob.mx": NOW - 2 * DAY,  # sends through an alias count
}


def test_lists_exactly_the_active_accounts_silent_for_180_days_grouped_by_unit() -> None:
    rows = inactive_report(ACCOUNTS, ACTIVITY, NOW)

    assert [(r.unit, r.address, r.last_activity) for r in rows] == [
        (INFORMATICA, "ana.lopez@edomex.gob.mx", None),
        (INFORMATICA, "Fer.Gil@edomex.gob.mx", NOW - 400 * DAY),
        (INFORMATICA, "zoe.ruiz@edomex.gob.mx", NOW - 181 * DAY),
    ]


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        (1, {"ana.lopez", "zoe.ruiz", "Fer.Gil", "beto.diaz", "carla.vega", "gael.rey"}),
        (30, {"ana.lopez", "zoe.ruiz", "Fer.Gil", "carla.vega"}),
        (179, {"ana.lopez", "zoe.ruiz", "Fer.Gil", "carla.vega"}),
        (180, {"ana.lopez", "zoe.ruiz", "Fer.Gil"}),
        (365, {"ana.lopez", "Fer.Gil"}),
        (10_000, {"ana.lopez"}),
    ],
)
def test_threshold_in_days_decides_who_is_listed(days: int, expected: set[str]) -> None:
    rows = inactive_report(ACCOUNTS, ACTIVITY, NOW, days=days)

    assert {r.address.split("@")[0] for r in rows} == expected


def test_an_account_never_seen_is_listed_as_never() -> None:
    rows = inactive_report([_account("nuevo@edomex.gob.mx", PLANEACION)], {}, NOW)

    assert render_csv(rows).splitlines()[1].endswith(",never")


def test_inactive_csv_is_one_row_per_account_for_the_unit_heads() -> None:
    rows = inactive_report(ACCOUNTS, ACTIVITY, NOW)

    assert render_csv(rows) == (
        "organisation,unit,address,name,rank,last_activity\n"
        "edomex,Dirección de Informática,ana.lopez@edomex.gob.mx,Ana Lopez,"
        "jefe de departamento,never\n"
        "edomex,Dirección de Informática,Fer.Gil@edomex.gob.mx,Fer Gil,"
        "jefe de departamento,2023-12-12T09:00:00+00:00\n"
        "edomex,Dirección de Informática,zoe.ruiz@edomex.gob.mx,Zoe Ruiz,"
        "jefe de departamento,2024-07-18T09:00:00+00:00\n"
    )


def test_inactive_json_groups_accounts_under_their_unit() -> None:
    accounts = [*ACCOUNTS, _account("hugo.luna@edomex.gob.mx", PLANEACION)]
    rows = inactive_report(accounts, ACTIVITY, NOW)

    document = json.loads(render_json(rows))

    assert document == [
        {
            "organisation": "edomex",
            "unit": INFORMATICA,
            "accounts": [
                {"address": "ana.lopez@edomex.gob.mx", "name": "Ana Lopez",
                 "rank": "jefe de departamento", "last_activity": "never"},
                {"address": "Fer.Gil@edomex.gob.mx", "name": "Fer Gil",
                 "rank": "jefe de departamento", "last_activity": "2023-12-12T09:00:00+00:00"},
                {"address": "zoe.ruiz@edomex.gob.mx", "name": "Zoe Ruiz",
                 "rank": "jefe de departamento", "last_activity": "2024-07-18T09:00:00+00:00"},
            ],
        },
        {
            "organisation": "edomex",
            "unit": PLANEACION,
            "accounts": [
                {"address": "hugo.luna@edomex.gob.mx", "name": "Hugo Luna",
                 "rank": "jefe de departamento", "last_activity": "never"},
            ],
        },
    ]  # fmt: skip


def test_json_keeps_spanish_names_readable() -> None:
    rows = [InactiveRow("edomex", INFORMATICA, "a@edomex.gob.mx", "Ñoño", "director", None)]

    assert "Dirección de Informática" in render_json(rows)


def test_an_empty_report_renders_as_headers_only() -> None:
    assert render_csv([]) == "organisation,unit,address,name,rank,last_activity\n"
    assert json.loads(render_json([])) == []


# violations

SINCE = datetime(2025, 1, 1, tzinfo=UTC)
UNTIL = datetime(2025, 2, 1, tzinfo=UTC)
ANA = "ana.lopez@edomex.gob.mx"
BETO = "beto.diaz@edomex.gob.mx"
ADJUNTOS = "EDOMEX Prohibiciones b"
CADENAS = "EDOMEX Prohibiciones e"


def _violation(
    address: str, unit: str, clause: str, severity: Severity, at: datetime = NOW
) -> Violation:
    return Violation(
        at=at, address=address, organisation="edomex", unit=unit, rule="rule", clause=clause,
        severity=severity, action=Action.REJECT, queue_id="Q1",
    )  # fmt: skip


VIOLATIONS = [
    _violation(ANA, INFORMATICA, ADJUNTOS, Severity.HIGH),
    _violation(ANA, INFORMATICA, ADJUNTOS, Severity.HIGH),
    _violation("Ana.Lopez@edomex.gob.mx", INFORMATICA, CADENAS, Severity.LOW),
    _violation(BETO, PLANEACION, CADENAS, Severity.MEDIUM),
    _violation("zoe.ruiz@edomex.gob.mx", INFORMATICA, CADENAS, Severity.LOW),
    _violation(BETO, PLANEACION, ADJUNTOS, Severity.HIGH, at=SINCE - DAY),  # before
    _violation(BETO, PLANEACION, ADJUNTOS, Severity.HIGH, at=UNTIL),  # until is excluded
]


def test_summarises_the_period_by_account_unit_and_clause_most_first() -> None:
    summary = violations_report(VIOLATIONS, SINCE, UNTIL)

    assert summary.total == SeverityCounts(low=2, medium=1, high=2)
    assert summary.by_account == (
        AccountViolations("edomex", INFORMATICA, ANA, SeverityCounts(low=1, high=2)),
        AccountViolations("edomex", PLANEACION, BETO, SeverityCounts(medium=1)),
        AccountViolations("edomex", INFORMATICA, "zoe.ruiz@edomex.gob.mx", SeverityCounts(low=1)),
    )
    assert summary.by_unit == (
        UnitViolations("edomex", INFORMATICA, SeverityCounts(low=2, high=2)),
        UnitViolations("edomex", PLANEACION, SeverityCounts(medium=1)),
    )
    assert summary.by_clause == (
        ClauseViolations(CADENAS, SeverityCounts(low=2, medium=1)),
        ClauseViolations(ADJUNTOS, SeverityCounts(high=2)),
    )


def test_violations_csv_has_one_section_per_breakdown() -> None:
    summary = violations_report(VIOLATIONS, SINCE, UNTIL)

    rows = list(csv.DictReader(io.StringIO(render_csv(summary))))

    assert [(r["section"], r["address"] or r["unit"] or r["clause"], r["total"]) for r in rows] == [
        ("account", ANA, "3"),
        ("account", BETO, "1"),
        ("account", "zoe.ruiz@edomex.gob.mx", "1"),
        ("unit", INFORMATICA, "4"),
        ("unit", PLANEACION, "1"),
        ("clause", CADENAS, "3"),
        ("clause", ADJUNTOS, "2"),
    ]
    assert rows[0] == {
        "section": "account", "organisation": "edomex", "unit": INFORMATICA, "address": ANA,
        "clause": "", "low": "1", "medium": "0", "high": "2", "total": "3",
    }  # fmt: skip


def test_violations_json_gives_the_period_and_each_breakdown() -> None:
    document = json.loads(render_json(violations_report(VIOLATIONS, SINCE, UNTIL)))

    assert document["since"] == "2025-01-01T00:00:00+00:00"
    assert document["until"] == "2025-02-01T00:00:00+00:00"
    assert document["total"] == {"low": 2, "medium": 1, "high": 2, "total": 5}
    assert document["by_unit"][1] == {
        "organisation": "edomex", "unit": PLANEACION, "low": 0, "medium": 1, "high": 0, "total": 1,
    }  # fmt: skip
    assert document["by_clause"][0] == {
        "clause": CADENAS, "low": 2, "medium": 1, "high": 0, "total": 3,
    }  # fmt: skip
    assert [a["address"] for a in document["by_account"]] == [
        ANA, BETO, "zoe.ruiz@edomex.gob.mx",
    ]  # fmt: skip


def test_a_quiet_period_summarises_to_zero() -> None:
    summary = violations_report([], SINCE, UNTIL)

    assert summary.total.total == 0
    assert (summary.by_account, summary.by_unit, summary.by_clause) == ((), (), ())
    assert render_csv(summary).count("\n") == 1
