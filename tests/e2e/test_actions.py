"""Every action through a real Postfix: tag, quarantine, journal, legal hold, notice, monitor."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.transactions import INTERNET_CLIENT

from .aduana_fixtures import RunningAduana, start_aduana
from .harness import (
    MilterFactory,
    PostfixFactory,
    PrivatePostfix,
    RecordingSink,
    send,
    wait_until,
)

JEFE = "analista.prueba@sre.gob.mx"
DIRECTOR = "director.prueba@sre.gob.mx"
SUSPENDED = "suspendido.prueba@sre.gob.mx"
OUTSIDER = "proveedor@example.org"
ARCHIVE = "archivo.correo@sre.gob.mx"
CUSTODIAN = "custodio.oic@sre.gob.mx"
SERVICE_DESK = "mesa.servicios@sre.gob.mx"


def message(sender: str, to: str, subject: str, body: str) -> bytes:
    return f"From: <{sender}>\nTo: <{to}>\nSubject: {subject}\n\n{body}\n".encode()


def monitoring_on(config_dir: Path) -> None:
    policy = config_dir / "policies" / "sre.yaml"
    text = policy.read_text(encoding="utf-8")
    text = text.replace("      # journal: {address: archivo", "      journal: {address: archivo")
    text = text.replace(
        "      legal_holds: []",
        f'      legal_holds:\n        - {{reference: "Juzgado 3o 123/2026", accounts: [{DIRECTOR}],'
        f" custodian: {CUSTODIAN}}}",
    )
    policy.write_text(text, encoding="utf-8")


@pytest.fixture
def gateway(postfix_factory: PostfixFactory) -> PrivatePostfix:
    return postfix_factory()


@pytest.fixture
def aduana(gateway: PrivatePostfix, milter_factory: MilterFactory, tmp_path: Path) -> RunningAduana:
    """aduana behind the gateway, handing its notices to the same Postfix's sendmail."""
    notices = (
        "notices:\n  transport: sendmail\n"
        f'  sendmail_command: ["/usr/sbin/sendmail", "-C", "{gateway.config_dir}"]\n'
    )
    running = start_aduana(milter_factory, tmp_path, notices, edit=monitoring_on)
    gateway.set_milter(running.process.postfix_spec)
    return running


def test_chain_letter_is_tagged_and_journaled(
    aduana: RunningAduana, gateway: PrivatePostfix, sink: RecordingSink
) -> None:
    body = "Hola, esto trae buena suerte. Reenvialo a todos tus contactos hoy mismo."
    result = send(
        gateway,
        OUTSIDER,
        [JEFE],
        message(OUTSIDER, JEFE, "Suerte", body),
        client_address=INTERNET_CLIENT,
    )
    assert result.accepted, result
    [tagged] = sink.wait_for(lambda d: JEFE in d.rcpt_tos, timeout=10)
    assert tagged.header("X-Aduana-Verdict") == "tag"
    assert tagged.header("X-Aduana-Rules") == "content.chain_letter (SRE 9.h)"
    assert tagged.header("X-Aduana-Score") == "content.chain_letter=2"
    assert tagged.header("Subject") == "[ADUANA] Suerte"
    assert tagged.message.get_content().strip() == body
    [copy] = sink.wait_for(lambda d: ARCHIVE in d.rcpt_tos, timeout=10)
    assert copy.header("Subject") == "[ADUANA] Suerte"


def test_classified_marking_is_held_and_sender_and_desk_are_told(
    aduana: RunningAduana, gateway: PrivatePostfix, sink: RecordingSink
) -> None:
    body = "RESERVADO\n\nAdjunto el informe de la negociación."
    raw = message(JEFE, OUTSIDER, "Informe", body)
    result = send(gateway, JEFE, [OUTSIDER], raw, login=JEFE)
    assert result.accepted, result
    [held] = gateway.hold_queue()
    assert held["queue_id"] == result.queue_id
    # Handed to Postfix's sendmail, a notice skips smtpd and its milters, so it keeps
    # its own marker (through SMTP the gateway would strip every X-Aduana-* header).
    notices = sink.wait_for(
        lambda d: d.header("Auto-Submitted") == "auto-generated", count=2, timeout=15
    )
    told = sorted(r for d in notices for r in d.rcpt_tos if r != ARCHIVE)
    assert told == [JEFE, SERVICE_DESK]
    notice = notices[0]
    assert notice.mail_from == "<>"
    assert notice.header("X-Aduana-Notice") == "yes"
    assert "SRE 9.i" in str(notice.header("Subject"))
    assert "retenido para revisión" in notice.message.get_content()
    assert "Informe" in notice.message.get_content()
    assert not [d for d in sink.delivered if OUTSIDER in d.rcpt_tos]
    [event] = [e for e in aduana.events("transaction") if e["queue_id"] == result.queue_id]
    assert event["action"] == "quarantine"
    assert event["notices"] == 2
    # Postfix may deliver a notice before the notifier thread has counted it.
    assert wait_until(lambda: aduana.metric("aduana_notices_total", result="sent") == 2, timeout=5)


def test_legal_hold_copies_all_mail_of_the_account_to_the_custodian(
    aduana: RunningAduana, gateway: PrivatePostfix, sink: RecordingSink
) -> None:
    raw = message(DIRECTOR, OUTSIDER, "Minuta", "Minuta de la reunión.")
    assert send(gateway, DIRECTOR, [OUTSIDER], raw, login=DIRECTOR).accepted
    delivered = sink.wait_for(count=3, timeout=15)
    assert sorted(r for d in delivered for r in d.rcpt_tos) == sorted(
        [OUTSIDER, ARCHIVE, CUSTODIAN]
    )
    [event] = aduana.events("transaction")
    assert event["legal_holds"] == ["Juzgado 3o 123/2026"]
    assert event["copies"] == [ARCHIVE, CUSTODIAN]


def test_monitor_mode_delivers_and_audits_what_would_have_happened(
    postfix_factory: PostfixFactory, milter_factory: MilterFactory, sink: RecordingSink,
    tmp_path: Path,
) -> None:  # fmt: skip
    aduana = start_aduana(milter_factory, tmp_path, "monitor_only: true\n")
    gateway = postfix_factory(aduana.process.postfix_spec)
    result = send(gateway, SUSPENDED, [OUTSIDER], message(SUSPENDED, OUTSIDER, "Hola", "Texto."))
    assert result.accepted, result
    assert sink.wait_for(lambda d: OUTSIDER in d.rcpt_tos, timeout=10)
    [event] = aduana.events("transaction")
    assert event["action"] == "accept"
    assert event["reasons"] == [
        {"rule": "identity.inactive_account", "clause": "SRE 18", "enforced": False,
         "action": "reject"}
    ]  # fmt: skip
    hits = aduana.metric(
        "aduana_rule_hits_total", rule="identity.inactive_account", clause="SRE 18",
        organisation="sre", rank="Enlace", enforced="false",
    )  # fmt: skip
    assert hits == 1
