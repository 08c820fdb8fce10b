"""The Technical Authority's authorisations: by account, by rank, or by written approval."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from aduana.commands.explain import Submission, explain
from aduana.config.approvals import Approval
from aduana.config.schema import Exemption
from aduana.gateway.runtime import Runtime
from aduana.policy.organisations import organisation_by_id
from aduana.policy.verdict import Action
from tests.corpus.generate import CASES

JEFE = "analista.prueba@sre.gob.mx"
DIRECTOR = "director.prueba@sre.gob.mx"
OUTSIDER = "proveedor@example.org"
NOW = 1_795_000_000.0  # 2026-11-19


def corpus(name: str, sender: str) -> bytes:
    raw = next(c for c in CASES if c.name == name).build()
    return raw.replace(b"remitente@ejemplo.gob.mx", sender.encode(), 1)


def with_sre(runtime: Runtime, **rules: object) -> Runtime:
    settings = runtime.settings
    organisations = tuple(
        o.model_copy(update={"rules": o.rules.model_copy(update=rules)}) if o.id == "sre" else o
        for o in settings.organisations
    )
    return replace(runtime, settings=replace(settings, organisations=organisations))


def sent_by(runtime: Runtime, sender: str, case: str) -> tuple[Action, str | None]:
    submission = Submission(sender, (OUTSIDER,), corpus(case, sender), login=sender)
    verdict = explain(runtime, submission, NOW)
    lifted = next((r.lifted_by for r in verdict.reasons if r.lifted_by), None)
    return verdict.action, lifted


@pytest.mark.parametrize(("sender", "action"), [(DIRECTOR, Action.ACCEPT), (JEFE, Action.REJECT)])
def test_encryption_authorised_from_a_rank_up(
    shipped_runtime: Runtime, sender: str, action: Action
) -> None:
    sre = organisation_by_id(shipped_runtime.settings, "sre")
    assert sre is not None
    assert sre.rules.encryption is not None
    encryption = sre.rules.encryption.model_copy(
        update={"authorised": Exemption(from_rank="Director General")}
    )
    runtime = with_sre(shipped_runtime, encryption=encryption)
    assert sent_by(runtime, sender, "zip_aes")[0] is action


def test_encryption_authorised_for_a_named_account(shipped_runtime: Runtime) -> None:
    sre = organisation_by_id(shipped_runtime.settings, "sre")
    assert sre is not None
    assert sre.rules.encryption is not None
    encryption = sre.rules.encryption.model_copy(update={"authorised": Exemption(accounts=(JEFE,))})
    runtime = with_sre(shipped_runtime, encryption=encryption)
    assert sent_by(runtime, JEFE, "pgp_mime")[0] is Action.ACCEPT
    assert sent_by(runtime, DIRECTOR, "pgp_mime")[0] is Action.REJECT


@pytest.mark.parametrize(
    ("lifts", "case", "outcome"),
    [
        (("encryption",), "7z_encrypted", (Action.ACCEPT, "DGCI/0001/2026")),
        (("attachment:video",), "mp4", (Action.ACCEPT, "DGCI/0001/2026")),
        (("attachment:video",), "pe_exe", (Action.REJECT, None)),
    ],
)
def test_written_approval_lifts_only_what_it_names(
    shipped_runtime: Runtime, lifts: tuple[str, ...], case: str, outcome: tuple[Action, str | None]
) -> None:
    approval = Approval(
        reference="DGCI/0001/2026", approver="Autoridad Técnica", organisation="sre",
        accounts=(JEFE,), lifts=lifts, valid_from=date(2026, 1, 1), valid_until=date(2026, 12, 31),
    )  # fmt: skip
    settings = replace(shipped_runtime.settings, approvals=(approval,))
    runtime = replace(shipped_runtime, settings=settings)
    assert sent_by(runtime, JEFE, case) == outcome
