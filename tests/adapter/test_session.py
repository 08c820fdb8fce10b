"""The adapter, driven through pymilter's own callback sequence."""

from __future__ import annotations

import Milter
import pytest

from aduana.gateway.runtime import Runtime
from aduana.policy.facts import Envelope
from tests.adapter.conftest import Replay

MIB = 1024 * 1024
JEFE = "analista.prueba@sre.gob.mx"
DIRECTOR = "director.prueba@sre.gob.mx"


def message(sender: str, body_bytes: int) -> bytes:
    line = b"x" * 76 + b"\n"
    body = line * (body_bytes // len(line) + 1)
    head = f"From: <{sender}>\nTo: <dest@example.org>\nSubject: informe\n\n".encode()
    return head + body


def test_accepts_ordinary_message_and_writes_audit_event(replay: Replay) -> None:
    rc = replay.send(JEFE, ("dest@example.org",), message(JEFE, 2000), login=JEFE)
    assert rc == Milter.CONTINUE
    [event] = replay.events("transaction")
    assert event["action"] == "accept"
    assert event["queue_id"] == "4ABCDE1234"
    assert event["recipient_count"] == 1
    assert event["sender"] == JEFE
    assert "body" not in event
    assert replay.metric("aduana_transactions_total", action="accept") == 1


def test_rejects_over_cap_message_from_jefe_de_departamento_at_end_of_data(replay: Replay) -> None:
    rc = replay.send(JEFE, ("dest@example.org",), message(JEFE, 5 * MIB + 10), login=JEFE)
    assert rc == Milter.REJECT
    assert replay.reply is not None
    code, status, text = replay.reply
    assert (code, status) == ("552", "5.3.4")
    assert "clausula SRE 7.a" in text
    assert (
        replay.metric(
            "aduana_rule_hits_total",
            rule="size.cap", clause="SRE 7.a", organisation="sre",
            rank="Jefe de Departamento", enforced="true",
        )
        == 1
    )  # fmt: skip


def test_accepts_same_size_from_director_general(replay: Replay) -> None:
    rc = replay.send(DIRECTOR, ("dest@example.org",), message(DIRECTOR, 5 * MIB + 10))
    assert rc == Milter.CONTINUE
    assert replay.reply is None
    assert replay.metric("aduana_message_size_bytes_count") == 1


def test_rejects_declared_size_at_mail_from(replay: Replay) -> None:
    rc = replay.mail_from(JEFE, f"SIZE={6 * MIB}", login=JEFE)
    assert rc == Milter.REJECT
    assert replay.reply is not None
    assert replay.reply[:2] == ("552", "5.3.4")
    [event] = replay.events("transaction")
    assert event["stage"] == "mail_from"
    assert event["size"] == 6 * MIB


def test_rejects_suspended_account_at_mail_from(replay: Replay) -> None:
    rc = replay.mail_from("suspendido.prueba@sre.gob.mx")
    assert rc == Milter.REJECT
    assert replay.reply is not None
    assert replay.reply[:2] == ("550", "5.7.1")
    assert "suspendida" in replay.reply[2]


def test_rejects_login_that_does_not_own_sender(replay: Replay) -> None:
    rc = replay.mail_from(DIRECTOR, login=JEFE)
    assert rc == Milter.REJECT
    assert replay.reply is not None
    assert replay.reply[:2] == ("553", "5.7.1")


def test_counts_and_tempfails_internal_errors(
    replay: Replay, shipped_runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A broken directory must not crash the daemon nor let mail through: 451 4.7.1."""

    class BrokenDirectory:
        def by_address(self, address: str) -> None:
            raise LookupError("directory exploded")

        def by_login(self, login: str) -> None:
            raise LookupError("directory exploded")

    session = replay.ctx.getpriv()
    monkeypatch.setattr(session, "_runtime", Runtime(shipped_runtime.settings, BrokenDirectory()))
    rc = replay.mail_from(JEFE)
    assert rc == Milter.TEMPFAIL
    assert replay.reply is not None
    assert replay.reply[:2] == ("451", "4.7.1")
    assert replay.metric("aduana_internal_errors_total", stage="mail_from") == 1
    [error] = replay.events("internal_error")
    assert error["log_level"] == "error"


def test_envelope_keeps_null_sender_apart(replay: Replay) -> None:
    assert Envelope(sender="").null_sender
    rc = replay.send("", ("dest@sre.gob.mx",), message("mailer-daemon@example.org", 100))
    assert rc == Milter.CONTINUE


def test_counts_bcc_recipients_against_the_per_message_cap(replay: Replay) -> None:
    recipients = tuple(f"oculto{n}@example.org" for n in range(31))
    rc = replay.send(JEFE, recipients, message(JEFE, 500), login=JEFE)
    assert rc == Milter.REJECT
    assert replay.reply is not None
    code, status, text = replay.reply
    assert (code, status) == ("550", "5.5.3")
    assert "tiene 31 destinatarios" in text
    [event] = replay.events("transaction")
    assert event["recipient_count"] == 31


def test_approved_mailing_passes_and_the_approval_is_audited(replay: Replay) -> None:
    sender = "comunicacion.social@sre.gob.mx"
    recipients = tuple(f"personal{n}@sre.gob.mx" for n in range(80))
    rc = replay.send(sender, recipients, message(sender, 500), login=sender)
    assert rc == Milter.CONTINUE
    [event] = replay.events("transaction")
    assert event["approvals"] == ["SRE/OM/0456/2026"]
    assert event["reasons"][0]["lifted_by"] == "SRE/OM/0456/2026"
    assert replay.metric("aduana_approvals_used_total", clause="SRE 9.g") == 1
