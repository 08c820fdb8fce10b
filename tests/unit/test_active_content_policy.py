"""Active content under the policy: macros are executable content unless the sender is
authorised (rank, account or written approval), PDF JavaScript is only reported unless
an organisation refuses it, smuggling and unreadable documents are refused, cited."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from aduana.commands.explain import Submission, explain
from aduana.config.approvals import Approval
from aduana.config.schema import ActiveContentRules, Exemption
from aduana.gateway.runtime import Runtime
from aduana.policy.organisations import organisation_by_id
from aduana.policy.verdict import Action, Verdict
from tests.corpus.active import CASES
from tests.corpus.generate import single
from tests.unit.test_exemptions import DIRECTOR, JEFE, NOW, OUTSIDER, with_sre


def message(case: str, sender: str) -> bytes:
    raw = next(c for c in CASES if c.name == case).build()
    return raw.replace(b"remitente@ejemplo.gob.mx", sender.encode(), 1)


def judge(runtime: Runtime, sender: str, raw: bytes, rcpt: str = OUTSIDER) -> Verdict:
    login = sender if sender.endswith("sre.gob.mx") else None
    return explain(runtime, Submission(sender, (rcpt,), raw, login=login), NOW)


def sre_active(runtime: Runtime) -> ActiveContentRules:
    sre = organisation_by_id(runtime.settings, "sre")
    assert sre is not None
    assert sre.rules.active_content is not None
    return sre.rules.active_content


def test_macro_document_is_refused_citing_sre_9e_and_naming_the_file(
    shipped_runtime: Runtime,
) -> None:
    verdict = judge(shipped_runtime, JEFE, message("docm_vba", JEFE))
    assert verdict.action is Action.REJECT
    assert str(verdict.reply) == (
        "550 5.7.1 Politica de correo institucional, clausula SRE 9.e: El archivo "
        '"oficio.docm" contiene macros VBA y se trata como contenido ejecutable.'
    )


@pytest.mark.parametrize(("sender", "action"), [(DIRECTOR, Action.ACCEPT), (JEFE, Action.REJECT)])
def test_macros_authorised_from_a_rank_up(
    shipped_runtime: Runtime, sender: str, action: Action
) -> None:
    rules = sre_active(shipped_runtime).model_copy(
        update={"authorised": Exemption(from_rank="Director General")}
    )
    runtime = with_sre(shipped_runtime, active_content=rules)
    assert judge(runtime, sender, message("xlsm_xlm", sender)).action is action


def test_macros_authorised_for_a_named_account_only_when_it_sends(
    shipped_runtime: Runtime,
) -> None:
    rules = sre_active(shipped_runtime).model_copy(
        update={"authorised": Exemption(accounts=(JEFE,))}
    )
    runtime = with_sre(shipped_runtime, active_content=rules)
    assert judge(runtime, JEFE, message("doc_vba", JEFE)).action is Action.ACCEPT
    assert judge(runtime, DIRECTOR, message("doc_vba", DIRECTOR)).action is Action.REJECT
    # Received from outside, the recipient's authorisation does not cover the sender.
    inbound = judge(runtime, OUTSIDER, message("doc_vba", OUTSIDER), rcpt=JEFE)
    assert inbound.action is Action.REJECT


def test_authorised_sender_still_cannot_smuggle_html(shipped_runtime: Runtime) -> None:
    rules = sre_active(shipped_runtime).model_copy(
        update={"authorised": Exemption(accounts=(JEFE,))}
    )
    runtime = with_sre(shipped_runtime, active_content=rules)
    verdict = judge(runtime, JEFE, message("html_smuggling", JEFE))
    assert verdict.action is Action.REJECT
    assert verdict.decisive is not None
    assert verdict.decisive.rule == "active_content.html_smuggling"


def test_written_approval_lifting_macros_lets_the_document_through(
    shipped_runtime: Runtime,
) -> None:
    approval = Approval(
        reference="DGCI/0007/2026", approver="Autoridad Técnica", organisation="sre",
        accounts=(JEFE,), lifts=("macros",), valid_from=date(2026, 1, 1),
        valid_until=date(2026, 12, 31),
    )  # fmt: skip
    runtime = replace(
        shipped_runtime, settings=replace(shipped_runtime.settings, approvals=(approval,))
    )
    verdict = judge(runtime, JEFE, message("docm_vba", JEFE))
    assert verdict.action is Action.ACCEPT
    assert [r.lifted_by for r in verdict.reasons] == ["DGCI/0007/2026"]


def test_pdf_javascript_is_reported_not_enforced_by_default(shipped_runtime: Runtime) -> None:
    verdict = judge(shipped_runtime, JEFE, message("benign_pdf_javascript", JEFE))
    assert verdict.action is Action.ACCEPT
    [reason] = verdict.reasons
    assert reason.rule == "active_content.pdf_javascript"
    assert not reason.enforced
    assert "JavaScript de PDF" in reason.detail


def test_pdf_javascript_is_refused_when_the_organisation_says_so(
    shipped_runtime: Runtime,
) -> None:
    rules = sre_active(shipped_runtime).model_copy(update={"pdf_javascript": Action.REJECT})
    runtime = with_sre(shipped_runtime, active_content=rules)
    verdict = judge(runtime, JEFE, message("benign_pdf_javascript", JEFE))
    assert verdict.action is Action.REJECT
    assert verdict.reply is not None
    assert "JavaScript de PDF" in verdict.reply.text


def test_office_file_the_readers_cannot_open_is_refused_as_unchecked(
    shipped_runtime: Runtime,
) -> None:
    broken = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\xff" * 600
    raw = single(lambda: broken, "oficio.doc", "application/msword")()
    raw = raw.replace(b"remitente@ejemplo.gob.mx", JEFE.encode(), 1)
    verdict = judge(shipped_runtime, JEFE, raw)
    assert verdict.action is Action.REJECT
    assert verdict.decisive is not None
    assert verdict.decisive.rule == "active_content.unchecked"
    assert verdict.reply is not None
    assert "no pudo revisarse" in verdict.reply.text


def test_embedded_executable_is_named_inside_its_document(shipped_runtime: Runtime) -> None:
    verdict = judge(shipped_runtime, JEFE, message("ole_package_exe", JEFE))
    assert verdict.reply is not None
    assert '"factura.docx / word/embeddings/oleObject1.bin / factura.exe"' in verdict.reply.text
