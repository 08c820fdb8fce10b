"""Content, DLP, bulk and effects on the shipped policies, as engine tables."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from aduana.config.schema import JournalSettings
from aduana.content.message_text import MessageText
from aduana.gateway.runtime import Runtime
from aduana.policy.engine import decide
from aduana.policy.facts import Envelope, MessageContent, TransactionFacts
from aduana.policy.verdict import Action
from tests.support.transactions import INTERNET_CLIENT, judged_facts

JEFE = "analista.prueba@sre.gob.mx"
TEACHER = "maestra.prueba@edugem.gob.mx"
OUTSIDER = "proveedor@example.org"
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
CURPS = "SABC560626MDFLRN01 BOXW310820HNERXN09"
RFCS = "GODE561231GR8 MAB9307148T4"
CLABES = "032180000118359719"


def facts(
    runtime: Runtime,
    sender: str,
    recipients: tuple[str, ...],
    *,
    subject: str = "Asunto",
    body: str = "Texto.",
    attachments: str = "",
    headers: tuple[tuple[str, str], ...] = (),
) -> TransactionFacts:
    """An account sends with its own login; anyone else comes from the internet."""
    account = runtime.directory.by_address(sender)
    envelope = Envelope(
        sender=sender,
        login=sender if account else None,
        recipients=recipients,
        client_address=None if account else INTERNET_CLIENT,
    )
    content = MessageContent(
        size=1000,
        header_from=(sender,),
        headers=(("Subject", subject), *headers),
        text=MessageText(subject, body, attachments),
    )
    return judged_facts(runtime, envelope, content, received_at=NOW)


GROUP = tuple(f"persona{n}@sre.gob.mx" for n in range(6))


@pytest.mark.parametrize(
    ("sender", "recipients", "text", "action", "rule"),
    [
        (OUTSIDER, (JEFE,), "Reenvialo a todos tus contactos.", Action.TAG, "content.chain_letter"),
        (OUTSIDER, (JEFE,), "Reenvialo a todos. Reenvia esta cadena.", Action.REJECT,
         "content.chain_letter"),
        (JEFE, (OUTSIDER,), "Eres un pendejo.", Action.TAG, "content.offensive"),
        (JEFE, (OUTSIDER,), "Pendejo, cabron, hijo de puta.", Action.REJECT, "content.offensive"),
        # Scunthorpe: innocent words that contain a bad one are not hits.
        (JEFE, (OUTSIDER,), "La computadora del Sussex.", Action.ACCEPT, None),
        (TEACHER, (OUTSIDER,), "Eres un pendejo.", Action.TAG, "content.offensive"),
    ],
)  # fmt: skip
def test_lexicon_scores_decide_between_tag_and_refuse(
    shipped_runtime: Runtime,
    sender: str,
    recipients: tuple[str, ...],
    text: str,
    action: Action,
    rule: str | None,
) -> None:
    verdict = decide(
        shipped_runtime.settings, facts(shipped_runtime, sender, recipients, body=text)
    )
    assert verdict.action is action
    assert (verdict.decisive.rule if verdict.decisive else None) == rule


def test_tag_verdict_carries_headers_and_subject_prefix(shipped_runtime: Runtime) -> None:
    verdict = decide(
        shipped_runtime.settings,
        facts(shipped_runtime, OUTSIDER, (JEFE,), body="Reenvialo a todos tus contactos."),
    )
    assert verdict.effects.headers == (
        ("X-Aduana-Verdict", "tag"),
        ("X-Aduana-Rules", "content.chain_letter (SRE 9.h)"),
        ("X-Aduana-Score", "content.chain_letter=2"),
    )
    assert verdict.effects.subject_prefix == "[ADUANA]"


def test_commercial_offer_counts_only_in_group_mail(shipped_runtime: Runtime) -> None:
    offer = "Oferta exclusiva: precio especial, meses sin intereses y envio gratis. Compra ya."
    one = decide(shipped_runtime.settings, facts(shipped_runtime, JEFE, (OUTSIDER,), body=offer))
    group = decide(shipped_runtime.settings, facts(shipped_runtime, JEFE, GROUP, body=offer))
    assert one.action is Action.ACCEPT
    assert group.decisive is not None
    assert group.decisive.rule == "content.commercial"


@pytest.mark.parametrize(
    ("recipients", "subject", "body", "action", "rule"),
    [
        ((OUTSIDER,), "RESERVADO: informe", "Texto.", Action.QUARANTINE, "dlp.classified_marking"),
        ((OUTSIDER,), "Sala", "He reservado la sala para el lunes.", Action.ACCEPT, None),
        (("colega@sre.gob.mx",), "RESERVADO: informe", "Texto.", Action.ACCEPT, None),
        ((OUTSIDER,), "Nomina", f"{CURPS} {RFCS} {CLABES}", Action.ACCEPT, None),
        ((OUTSIDER,), "Nomina", f"{CURPS} {RFCS} {CLABES} AAGA800101MDFLRN02 XAXX010101000",
         Action.ACCEPT, None),
    ],
)  # fmt: skip
def test_dlp_applies_only_to_mail_leaving_the_institution(
    shipped_runtime: Runtime,
    recipients: tuple[str, ...],
    subject: str,
    body: str,
    action: Action,
    rule: str | None,
) -> None:
    verdict = decide(
        shipped_runtime.settings,
        facts(shipped_runtime, JEFE, recipients, subject=subject, body=body),
    )
    assert verdict.action is action
    assert (verdict.decisive.rule if verdict.decisive else None) == rule


def test_personal_data_over_the_limit_is_held_and_sender_told(shipped_runtime: Runtime) -> None:
    body = f"{CURPS} {RFCS} {CLABES} 012180001234567897 002010077777777771"
    verdict = decide(shipped_runtime.settings, facts(shipped_runtime, JEFE, (OUTSIDER,), body=body))
    assert verdict.action is Action.QUARANTINE
    assert verdict.decisive is not None
    assert verdict.decisive.rule == "dlp.personal_data"
    [notice] = verdict.effects.notices
    assert notice.to == JEFE
    assert notice.sender == "postmaster@sre.gob.mx"
    assert "SRE 9.i" in notice.subject


def test_notice_names_the_clause_that_refused_and_decodes_the_subject(
    shipped_runtime: Runtime,
) -> None:
    """A hold overruled by a 9.g refusal is announced as the 9.g refusal, not as 9.i."""
    body = f"{CURPS} {RFCS} {CLABES} 012180001234567897 002010077777777771"
    many = tuple(f"persona{n}@externo.example" for n in range(31))
    subject = "=?utf-8?q?N=C3=B3mina_de_noviembre?="
    verdict = decide(
        shipped_runtime.settings, facts(shipped_runtime, JEFE, many, subject=subject, body=body)
    )
    assert verdict.action is Action.REJECT
    assert [r.rule for r in verdict.reasons if r.enforced] == [
        "mass_mailing.recipients_per_message",
        "dlp.personal_data",
    ]
    [notice] = verdict.effects.notices
    assert notice.subject == "Aviso de la política de correo (SRE 9.g): mensaje rechazado"
    assert "Cláusula: SRE 9.g" in notice.body
    assert "Asunto: Nómina de noviembre" in notice.body
    assert "31 destinatarios" in notice.body


def test_inbound_newsletter_is_tagged_as_bulk(shipped_runtime: Runtime) -> None:
    headers = (("List-Id", "<boletin.example.org>"), ("List-Unsubscribe", "<mailto:baja@x.org>"))
    verdict = decide(
        shipped_runtime.settings, facts(shipped_runtime, OUTSIDER, (JEFE,), headers=headers)
    )
    assert verdict.action is Action.TAG
    assert ("X-Aduana-Bulk", "yes") in verdict.effects.headers
    assert verdict.decisive is not None
    assert verdict.decisive.clause == "SRE 9.h"


def test_mail_between_institutions_obeys_the_recipients_rules_too(shipped_runtime: Runtime) -> None:
    """edugem -> sre: SRE's journal copies it, as SRE's inbound rules apply."""
    settings = shipped_runtime.settings
    organisations = tuple(
        o.model_copy(
            update={"monitoring": o.monitoring.model_copy(
                update={"journal": JournalSettings(address="archivo.correo@sre.gob.mx")}
            )}
        )
        if o.id == "sre" else o
        for o in settings.organisations
    )  # fmt: skip
    journaled = replace(settings, organisations=organisations)
    verdict = decide(journaled, facts(shipped_runtime, TEACHER, (JEFE,)))
    assert verdict.effects.add_recipients == ("archivo.correo@sre.gob.mx",)
