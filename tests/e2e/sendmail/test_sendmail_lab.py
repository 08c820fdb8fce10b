"""aduana behind a real Sendmail (Debian 8.17), configured with deploy/sendmail/aduana.mc.

Everything is asserted through SMTP against Sendmail: its replies, what it
relays to the sink, and what it keeps in its quarantine queue.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.corpus.generate import CASES
from tests.support.required_servers import require_server

from ..aduana_fixtures import RunningAduana, start_aduana
from ..harness import MilterFactory, RecordingSink, Stage, free_port, send
from .lab import LAB_DOMAIN, PrivateSendmail, queue_id_of, sendmail_lab_missing

JEFE = "analista.prueba@sre.gob.mx"
OUTSIDER = "proveedor@example.org"
SERVICE_DESK = "mesa.servicios@sre.gob.mx"
# Sendmail has no XCLIENT: mail from outside comes from another loopback address,
# which the lab's aduana does not count among its internal networks.
INTERNET = "127.0.0.2"
LAB_ORIGIN = 'origin:\n  internal_networks: ["127.0.0.1/32", "::1/128"]\n'


def message(sender: str, to: str, subject: str, body: str) -> bytes:
    return f"From: <{sender}>\nTo: <{to}>\nSubject: {subject}\n\n{body}\n".encode()


@pytest.fixture
def sendmail_port() -> int:
    missing = sendmail_lab_missing()
    require_server("Sendmail", missing is None, missing or "")
    return free_port()


@pytest.fixture
def aduana(milter_factory: MilterFactory, tmp_path: Path, sendmail_port: int) -> RunningAduana:
    """aduana submitting its notices through the same Sendmail."""
    notices = f"notices:\n  smtp_host: 127.0.0.1\n  smtp_port: {sendmail_port}\n"
    return start_aduana(milter_factory, tmp_path / "aduana", notices + LAB_ORIGIN)


@pytest.fixture
def sendmail(
    aduana: RunningAduana, sink: RecordingSink, tmp_path: Path, sendmail_port: int
) -> Iterator[PrivateSendmail]:
    lab = PrivateSendmail(
        tmp_path / "sendmail", sendmail_port, sink.port, aduana.process.socket.libmilter
    )
    with lab:
        yield lab


def test_sendmail_refuses_an_executable_with_the_policy_clause(
    sendmail: PrivateSendmail, sink: RecordingSink
) -> None:
    case = next(c for c in CASES if c.name == "pe_exe")
    result = send(sendmail, OUTSIDER, [JEFE], case.build(), source_address=INTERNET)
    assert result.stage is Stage.DATA
    assert (result.code, result.enhanced_code) == (550, "5.7.1")
    assert "clausula SRE 9.e" in result.text
    assert sink.wait_for(timeout=1) == []


def test_sendmail_delivers_a_benign_message_unchanged(
    sendmail: PrivateSendmail, sink: RecordingSink, aduana: RunningAduana
) -> None:
    result = send(
        sendmail,
        OUTSIDER,
        [JEFE],
        message(OUTSIDER, JEFE, "Hola", "Saludos."),
        source_address=INTERNET,
    )
    assert result.accepted, result
    [delivered] = sink.wait_for(lambda d: JEFE in d.rcpt_tos, timeout=15)
    assert f"by {LAB_DOMAIN}" in str(delivered.header("Received"))
    assert delivered.header("Subject") == "Hola"
    assert delivered.header("X-Aduana-Verdict") is None
    assert delivered.message.get_content().strip() == "Saludos."
    [event] = aduana.events("transaction")
    assert event["action"] == "accept"
    assert event["queue_id"] == queue_id_of(result.text), "the {i} macro reaches aduana"


def test_sendmail_adds_the_tag_headers_and_subject_prefix(
    sendmail: PrivateSendmail, sink: RecordingSink
) -> None:
    body = "Hola, esto trae buena suerte. Reenvialo a todos tus contactos hoy mismo."
    result = send(
        sendmail, OUTSIDER, [JEFE], message(OUTSIDER, JEFE, "Suerte", body), source_address=INTERNET
    )
    assert result.accepted, result
    [tagged] = sink.wait_for(lambda d: JEFE in d.rcpt_tos, timeout=15)
    assert tagged.header("X-Aduana-Verdict") == "tag"
    assert tagged.header("X-Aduana-Rules") == "content.chain_letter (SRE 9.h)"
    assert tagged.header("Subject") == "[ADUANA] Suerte"
    assert tagged.message.get_content().strip() == body


def test_classified_marking_is_held_in_sendmails_quarantine(
    sendmail: PrivateSendmail, sink: RecordingSink, aduana: RunningAduana
) -> None:
    raw = message(JEFE, OUTSIDER, "Informe", "RESERVADO\n\nAdjunto el informe.")
    result = send(sendmail, JEFE, [OUTSIDER], raw)
    assert result.accepted, result
    queue_id = queue_id_of(result.text)
    assert queue_id is not None, result.text
    [held] = sendmail.wait_for_quarantine()
    assert (held.queue_id, held.reason) == (queue_id, "SRE 9.i: dlp.classified_marking")
    listing = sendmail.mailq_quarantined()
    assert queue_id in listing
    assert "QUARANTINE: SRE 9.i: dlp.classified_marking" in listing
    assert "QUARANTINE: SRE 9.i" in sendmail.command("-bp", "-qQ", f"-qI{queue_id}")
    # The notices went out through Sendmail too; the message itself did not.
    # Notices pass through aduana again, which strips every incoming X-Aduana-*.
    notices = sink.wait_for(
        lambda d: d.header("Auto-Submitted") == "auto-generated", count=2, timeout=15
    )
    assert sorted(r for d in notices for r in d.rcpt_tos) == [JEFE, SERVICE_DESK]
    assert not [d for d in sink.delivered if OUTSIDER in d.rcpt_tos]


def test_a_reviewer_releases_a_held_message_with_sendmails_own_commands(
    sendmail: PrivateSendmail, sink: RecordingSink
) -> None:
    """The commands deploy/sendmail/README.md gives the review desk."""
    raw = message(JEFE, OUTSIDER, "Informe", "RESERVADO\n\nAdjunto el informe.")
    queue_id = queue_id_of(send(sendmail, JEFE, [OUTSIDER], raw).text)
    assert queue_id is not None
    assert [held.queue_id for held in sendmail.wait_for_quarantine()] == [queue_id]
    assert (
        len(sink.wait_for(lambda d: d.header("Auto-Submitted") == "auto-generated", count=2)) == 2
    )
    released = sendmail.release(queue_id)
    assert 'Removed quarantine of "SRE 9.i: dlp.classified_marking"' in released
    [delivered] = sink.wait_for(lambda d: OUTSIDER in d.rcpt_tos, timeout=15)
    assert delivered.header("Subject") == "Informe"
    assert sendmail.quarantined() == []


def test_sendmail_tempfails_while_aduana_is_down(
    sendmail: PrivateSendmail, sink: RecordingSink, aduana: RunningAduana
) -> None:
    """F=T in the snippet: no filter, no delivery; the client keeps the message and retries."""
    aduana.process.kill()
    result = send(
        sendmail,
        OUTSIDER,
        [JEFE],
        message(OUTSIDER, JEFE, "Hola", "Saludos."),
        source_address=INTERNET,
    )
    assert (result.stage, result.code, result.text) == (
        Stage.MAIL,
        451,
        "4.3.2 Please try again later",
    )
    assert sink.wait_for(timeout=1) == []
