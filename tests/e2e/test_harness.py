"""The harness itself: mail really flows client -> private Postfix -> (milter) -> sink."""

from __future__ import annotations

import json
import os
import socket
import tempfile
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from .harness import (
    LOOPBACK,
    MilterFactory,
    PostfixError,
    PostfixFactory,
    PrivatePostfix,
    RecordingSink,
    Stage,
    send,
)
from .harness.postfix import hostname_label

SENDER = "remitente@dependencia.gob.mx"
RECIPIENT = "destinatario@externo.example"


def build_message(subject: str = "Oficio 123/2024", body: str = "Texto del oficio.\n") -> bytes:
    message = EmailMessage()
    message["From"] = SENDER
    message["To"] = RECIPIENT
    message["Subject"] = subject
    message["Message-ID"] = "<oficio-123@dependencia.gob.mx>"
    message["X-Expediente"] = "EXP-2024-0042"
    message.set_content(body)
    return message.as_bytes()


def read_records(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_message_without_milter_reaches_sink_with_headers_intact(
    postfix: PrivatePostfix, sink: RecordingSink
) -> None:
    """Postfix relays the message to the sink with its headers and body unchanged."""
    result = send(postfix, SENDER, [RECIPIENT], build_message("Envío de prueba: año fiscal"))

    assert result.accepted, result
    assert result.queue_id
    [delivered] = sink.wait_for(lambda d: RECIPIENT in d.rcpt_tos, timeout=10)
    assert delivered.mail_from == SENDER
    assert delivered.header("Subject") == "Envío de prueba: año fiscal"
    assert delivered.header("Message-ID") == "<oficio-123@dependencia.gob.mx>"
    assert delivered.header("X-Expediente") == "EXP-2024-0042"
    assert f"id {result.queue_id}" in str(delivered.header("Received"))
    assert delivered.message.get_content() == "Texto del oficio.\n"
    assert sink.messages_to(RECIPIENT) == [delivered]


def test_message_through_noop_milter_is_delivered_unchanged(
    postfix_factory: PostfixFactory, milter_factory: MilterFactory, sink: RecordingSink
) -> None:
    """A milter that only says CONTINUE lets every message through untouched."""
    milter = milter_factory.noop()
    postfix = postfix_factory(milter.postfix_spec)

    result = send(postfix, SENDER, [RECIPIENT, "copia@externo.example"], build_message())

    assert result.accepted, result
    [delivered] = sink.wait_for(timeout=10)
    assert sorted(delivered.rcpt_tos) == ["copia@externo.example", RECIPIENT]
    assert delivered.header("X-Expediente") == "EXP-2024-0042"
    assert "milter" not in postfix.log_text()  # no milter warnings or errors
    assert milter.alive


@pytest.mark.parametrize("login", ["jefe.depto@dependencia.gob.mx", None])
def test_milter_sees_auth_login_at_mail_from_and_queue_id_at_end_of_message(
    postfix: PrivatePostfix,
    milter_factory: MilterFactory,
    sink: RecordingSink,
    tmp_path: Path,
    login: str | None,
) -> None:
    """XCLIENT LOGIN reaches the milter as {auth_authen}; set_milter switches a live Postfix."""
    record = tmp_path / "macros.jsonl"
    milter = milter_factory.noop(record=record)
    postfix.set_milter(milter.postfix_spec)

    result = send(postfix, SENDER, [RECIPIENT], build_message(), login=login)

    assert result.accepted, result
    assert sink.wait_for(timeout=10)
    mail_stage, eom_stage = read_records(record)
    assert mail_stage["stage"] == "mail"
    assert mail_stage["macros"]["{auth_authen}"] == login
    assert eom_stage["stage"] == "eom"
    assert eom_stage["macros"]["i"] == result.queue_id
    if login is not None:
        assert f"sasl_username={login}" in postfix.log_text()


def test_killed_milter_makes_postfix_answer_4xx_and_nothing_is_delivered(
    postfix_factory: PostfixFactory, milter_factory: MilterFactory, sink: RecordingSink
) -> None:
    """With milter_default_action=tempfail a dead milter means 4xx: the client keeps the mail."""
    milter = milter_factory.noop()
    postfix = postfix_factory(milter.postfix_spec)
    assert send(postfix, SENDER, [RECIPIENT], build_message()).accepted
    assert sink.wait_for(timeout=10)
    sink.clear()

    milter.kill()
    result = send(postfix, SENDER, [RECIPIENT], build_message("Después de la caída"))

    assert result.temporary, result
    assert result.stage in (Stage.MAIL, Stage.RCPT, Stage.DATA)
    assert result.queue_id is None
    assert sink.wait_for(timeout=1.5) == []
    assert postfix.queue() == []


def test_twelve_megabyte_message_with_declared_size_passes_the_milter(
    postfix_factory: PostfixFactory, milter_factory: MilterFactory, sink: RecordingSink
) -> None:
    """A 12 MB message announced with SIZE= is accepted, filtered and delivered whole."""
    milter = milter_factory.noop()
    postfix = postfix_factory(milter.postfix_spec)
    message = EmailMessage()
    message["From"] = SENDER
    message["To"] = RECIPIENT
    message["Subject"] = "Anexo grande"
    message.set_content("Se adjunta el expediente.\n")
    message.add_attachment(
        os.urandom(9 * 1024 * 1024),
        maintype="application",
        subtype="pdf",
        filename="expediente.pdf",
    )
    raw = message.as_bytes().replace(b"\n", b"\r\n")
    assert len(raw) > 12 * 1024 * 1024

    result = send(postfix, SENDER, [RECIPIENT], raw, mail_options=[f"SIZE={len(raw)}"])

    assert result.accepted, result
    [delivered] = sink.wait_for(timeout=20)
    attachment = next(iter(delivered.message.iter_attachments()))
    assert attachment.get_filename() == "expediente.pdf"
    assert len(delivered.raw) >= len(raw)


def test_instances_run_side_by_side_and_hold_queue_is_readable(
    postfix_factory: PostfixFactory, sink: RecordingSink
) -> None:
    """Two private instances coexist; a HOLD action shows up in hold_queue()."""
    first = postfix_factory()
    second = postfix_factory(
        extra_main_cf={
            "smtpd_sender_restrictions": "check_sender_access inline:{hold@x.example=HOLD}"
        }
    )

    assert send(first, SENDER, [RECIPIENT], build_message("uno")).accepted
    held = send(second, "hold@x.example", [RECIPIENT], build_message("dos"))

    assert held.accepted
    [delivered] = sink.wait_for(timeout=10)
    assert delivered.header("Subject") == "uno"
    [entry] = second.hold_queue()
    assert entry["queue_id"] == held.queue_id
    assert first.queue() == []


@pytest.mark.parametrize(
    ("directory", "label"),
    [
        ("aduana-pf-6gvb4cf_", "aduana-pf-6gvb4cf"),
        ("aduana-pf-_x_y_", "aduana-pf-x-y"),
        ("Aduana_PF_Upper", "aduana-pf-upper"),
    ],
)
def test_instance_name_is_a_hostname_label_postfix_accepts(directory: str, label: str) -> None:
    """A temp dir ending in "_" must not give myhostname a trailing "-" (Postfix refuses it)."""
    assert hostname_label(directory) == label
    instance = PrivatePostfix(1, base_dir=Path(tempfile.gettempdir()) / directory)
    assert instance.myhostname == f"{label}.e2e.test"


def test_explicit_instance_name_that_is_not_a_hostname_label_is_refused() -> None:
    with pytest.raises(ValueError, match="hostname label"):
        PrivatePostfix(1, name="gateway-", base_dir=Path(tempfile.gettempdir()) / "unused")


def test_instance_in_temp_dir_ending_in_underscore_starts_and_relays(
    sink: RecordingSink,
) -> None:
    """Regression: 1 start in 37 used to exit 1 with no output at all."""
    base_dir = Path(tempfile.mkdtemp(prefix="aduana-pf-", suffix="_"))
    with PrivatePostfix(sink.port, base_dir=base_dir) as postfix:
        assert send(postfix, SENDER, [RECIPIENT], build_message()).accepted
        assert sink.wait_for(timeout=10)


def test_failed_start_reports_what_postfix_said(sink: RecordingSink) -> None:
    """A main.cf error Postfix only prints on a terminal ends up in the PostfixError."""
    postfix = PrivatePostfix(sink.port, extra_main_cf={"myhostname": "gateway-.e2e.test"})
    try:
        with pytest.raises(PostfixError) as failure:
            postfix.start()
        assert "parameter myhostname: bad parameter value: gateway-.e2e.test" in str(failure.value)
        assert "postfix -v check" in str(failure.value)
        assert not postfix.running
    finally:
        postfix.cleanup()


def test_start_moves_to_a_new_port_when_its_port_was_taken(sink: RecordingSink) -> None:
    """free_port() can lose its port to another process before master binds it."""
    postfix = PrivatePostfix(sink.port)
    taken = postfix.port
    with socket.socket() as squatter:
        squatter.bind((LOOPBACK, taken))
        squatter.listen()
        try:
            postfix.start()
            assert postfix.port != taken
            assert send(postfix, SENDER, [RECIPIENT], build_message()).accepted
            assert "Address already in use" not in postfix.log_text()
        finally:
            postfix.cleanup()
