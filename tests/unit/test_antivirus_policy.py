"""Viruses and uninspectable parts as the engine answers them, on the shipped policies."""

from __future__ import annotations

from dataclasses import replace

import pytest

from aduana.config.schema import AntivirusRule
from aduana.content.message_text import MessageText
from aduana.gateway.runtime import Runtime
from aduana.inspect import (
    Category,
    MessageInspection,
    PartFacts,
    Source,
    UninspectablePart,
    UnnamedPart,
)
from aduana.policy.engine import decide
from aduana.policy.facts import (
    Envelope,
    Identity,
    MessageContent,
    ScanResult,
    TransactionFacts,
    VirusScan,
)
from aduana.policy.verdict import Action

JEFE = "analista.prueba@sre.gob.mx"
TEACHER = "maestra.prueba@edugem.gob.mx"
OUTSIDER = "proveedor@example.org"
SIGNATURE = "Win.Test.Sample"
CLEAN_INSPECTION = MessageInspection((), (), (), (), signed=False, total_bytes=100)


def inbound(
    runtime: Runtime,
    recipient: str,
    *,
    scan: VirusScan | None = None,
    inspection: MessageInspection = CLEAN_INSPECTION,
    text: MessageText | None = None,
) -> TransactionFacts:
    envelope = Envelope(sender=OUTSIDER, recipients=(recipient,))
    identity = Identity(sender_account=runtime.directory.by_address(OUTSIDER))
    content = MessageContent(
        size=100, header_from=(OUTSIDER,), inspection=inspection, text=text, antivirus=scan
    )
    return TransactionFacts(envelope, identity, content)


@pytest.mark.parametrize(
    ("recipient", "scan", "action", "rule", "code", "clause"),
    [
        (JEFE, VirusScan(ScanResult.CLEAN), Action.ACCEPT, None, None, None),
        (JEFE, None, Action.ACCEPT, None, None, None),
        (JEFE, VirusScan(ScanResult.INFECTED, SIGNATURE), Action.REJECT, "antivirus.virus",
         (554, "5.7.1"), "SRE 9.e"),
        (TEACHER, VirusScan(ScanResult.INFECTED, SIGNATURE), Action.REJECT, "antivirus.virus",
         (554, "5.7.1"), "EDOMEX Responsabilidades e"),
        (JEFE, VirusScan(ScanResult.TOO_LARGE), Action.REJECT, "antivirus.unscannable",
         (554, "5.7.1"), "SRE 9.e"),
        (JEFE, VirusScan(ScanResult.UNAVAILABLE, error="timed out"), Action.TEMPFAIL,
         "antivirus.unavailable", (451, "4.7.1"), "SRE 9.e"),
    ],
)  # fmt: skip
def test_clamd_answer_decides_the_message(
    shipped_runtime: Runtime,
    recipient: str,
    scan: VirusScan | None,
    action: Action,
    rule: str | None,
    code: tuple[int, str] | None,
    clause: str | None,
) -> None:
    verdict = decide(shipped_runtime.settings, inbound(shipped_runtime, recipient, scan=scan))
    assert verdict.action is action
    if rule is None:
        assert verdict.reply is None
        return
    assert verdict.decisive is not None
    assert (verdict.decisive.rule, verdict.decisive.clause) == (rule, clause)
    assert verdict.reply is not None
    assert (verdict.reply.code, verdict.reply.status) == code
    assert f"clausula {clause}" in verdict.reply.text


def test_the_signature_name_never_reaches_the_reply(shipped_runtime: Runtime) -> None:
    scan = VirusScan(ScanResult.INFECTED, SIGNATURE)
    verdict = decide(shipped_runtime.settings, inbound(shipped_runtime, JEFE, scan=scan))
    assert verdict.reply is not None
    assert "virus" in verdict.reply.text
    assert SIGNATURE not in verdict.reply.text
    assert all(SIGNATURE not in reason.detail for reason in verdict.reasons)


def test_an_organisation_may_deliver_with_a_tag_while_clamd_is_down(
    shipped_runtime: Runtime,
) -> None:
    settings = shipped_runtime.settings
    sre = settings.organisations[0]
    lenient = AntivirusRule(clause="SRE 9.e", on_unavailable=Action.TAG)
    sre = sre.model_copy(update={"rules": sre.rules.model_copy(update={"antivirus": lenient})})
    settings = replace(settings, organisations=(sre, *settings.organisations[1:]))
    scan = VirusScan(ScanResult.UNAVAILABLE, error="connection refused")
    verdict = decide(settings, inbound(shipped_runtime, JEFE, scan=scan))
    assert verdict.action is Action.TAG
    assert verdict.reply is None
    assert any(name.startswith("X-Aduana") for name, _ in verdict.effects.headers)


def test_a_virus_outranks_the_executable_rule_in_the_reply(shipped_runtime: Runtime) -> None:
    """Both refuse; the reply names the virus (554), the attachment reason is kept."""
    exe = PartFacts("2!1", Source.ARCHIVE_MEMBER, ("factura.pdf",), (), "application/x-dosexec",
                    Category.EXECUTABLE, 544, archive_chain=("f.zip",))  # fmt: skip
    inspection = replace(CLEAN_INSPECTION, parts=(exe,))
    scan = VirusScan(ScanResult.INFECTED, SIGNATURE)
    verdict = decide(
        shipped_runtime.settings, inbound(shipped_runtime, JEFE, scan=scan, inspection=inspection)
    )
    assert verdict.reply is not None
    assert verdict.reply.code == 554
    assert {r.rule for r in verdict.reasons} >= {"antivirus.virus", "attachments.blocked_type"}


BROKEN_PDF = UninspectablePart("2", "informe.pdf", "pypdf.errors.DependencyError")


@pytest.mark.parametrize(
    ("recipient", "where", "clause"),
    [
        (JEFE, "inspection", "SRE 9.e"),
        (JEFE, "text", "SRE 9.e"),
        (TEACHER, "text", "EDOMEX Prohibiciones b"),
    ],
)
def test_a_part_whose_reader_raised_is_refused_permanently_with_the_clause(
    shipped_runtime: Runtime, recipient: str, where: str, clause: str
) -> None:
    inspection = CLEAN_INSPECTION
    text = None
    if where == "inspection":
        inspection = replace(CLEAN_INSPECTION, failed_reads=(BROKEN_PDF,))
    else:
        text = MessageText(body="hola", failed_reads=(BROKEN_PDF,))
    facts = inbound(shipped_runtime, recipient, inspection=inspection, text=text)
    verdict = decide(shipped_runtime.settings, facts)
    assert verdict.action is Action.REJECT
    assert verdict.decisive is not None
    assert verdict.decisive.rule == "attachments.uninspectable"
    assert verdict.reply is not None
    assert (verdict.reply.code, verdict.reply.status) == (550, "5.7.1")
    assert f"clausula {clause}" in verdict.reply.text
    assert "informe.pdf" in verdict.reply.text
    assert "DependencyError" not in verdict.reply.text


@pytest.mark.parametrize(
    ("language", "named"),
    [
        ("es", '"f.zip / parte 1.2 / parte 3 (application/pdf)" no puede abrirse'),
        ("en", '"f.zip / part 1.2 / part 3 (application/pdf)" cannot be opened'),
    ],
)
def test_a_part_without_a_name_is_named_in_the_language_of_the_reply(
    shipped_runtime: Runtime, language: str, named: str
) -> None:
    """The inspection carries where the part sits; the reply's template names it."""
    broken = UninspectablePart(
        "text#3",
        UnnamedPart("3", "application/pdf"),
        "KeyError",
        chain=("f.zip", UnnamedPart("1.2")),
    )
    settings = replace(
        shipped_runtime.settings,
        organisations=tuple(
            o.model_copy(update={"language": language}) if o.id == "sre" else o
            for o in shipped_runtime.settings.organisations
        ),
    )
    text = MessageText(body="hola", failed_reads=(broken,))
    verdict = decide(settings, inbound(shipped_runtime, JEFE, text=text))
    assert verdict.reply is not None
    assert (verdict.reply.code, verdict.reply.status) == (550, "5.7.1")
    assert named in verdict.reply.text
