"""Who is really sending, through the real Postfix: the envelope never walks around the policy.

One aduana and one Postfix serve the whole table. Each row is one SMTP
transaction from one origin (a SASL login via XCLIENT LOGIN=, a client on the
internal network, or a client on the internet via XCLIENT ADDR=), with one
sender form and one content; it asserts the SMTP code and clause, and, when
the message is accepted, the copy at the sink.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from io import BytesIO
from pathlib import Path

import pytest

from tests.corpus import blobs
from tests.support.transactions import INTERNET_CLIENT

from .aduana_fixtures import RunningAduana, start_aduana
from .harness import (
    MilterFactory,
    PostfixFactory,
    PrivatePostfix,
    RecordingSink,
    Stage,
    send,
)

JEFE = "analista.prueba@sre.gob.mx"
DIRECTOR = "director.prueba@sre.gob.mx"
SUBDOMAIN = "avisos@correo.sre.gob.mx"
FOREIGN = "alguien@gmail.example"
OUTSIDE = "colega@externo.example"
BOUNCER = "MAILER-DAEMON@mx.externo.example"

# Identity refusals would suspend the test login after five (sanctions): this
# table is about origins, so the ledger is off here.
NO_LEDGER = "ledger:\n  enabled: false\n"


@dataclass(frozen=True)
class Row:
    origin: str
    form: str
    content: str
    mail_from: str
    header_from: str
    code: int
    clause: str | None = None
    stage: Stage = Stage.DATA

    @property
    def name(self) -> str:
        return f"{self.origin}-{self.form}-{self.content}"


def _rows() -> Iterator[Row]:
    # (form, MAIL FROM, header From) per origin, and what each content gets.
    # None as a clause: accepted and delivered.
    authenticated = {
        "own": (JEFE, JEFE, (250, None), (550, "SRE 9.e")),
        "other_account": (DIRECTOR, DIRECTOR, (553, "SRE 17"), (553, "SRE 17")),
        "subdomain": (SUBDOMAIN, SUBDOMAIN, (553, "SRE 17"), (553, "SRE 17")),
        "foreign": (FOREIGN, FOREIGN, (550, "SRE 1"), (550, "SRE 1")),
        "null": ("", JEFE, (250, None), (550, "SRE 9.e")),
        "envelope_spoof": (DIRECTOR, FOREIGN, (553, "SRE 17"), (553, "SRE 17")),
        "header_spoof": (FOREIGN, DIRECTOR, (550, "SRE 1"), (550, "SRE 1")),
    }
    internal = {
        "own": (JEFE, JEFE, (250, None), (550, "SRE 9.e")),
        "other_account": (DIRECTOR, DIRECTOR, (250, None), (550, "SRE 9.e")),
        "subdomain": (SUBDOMAIN, SUBDOMAIN, (550, "SRE 3"), (550, "SRE 3")),
        "foreign": (FOREIGN, FOREIGN, (550, "SRE 1"), (550, "SRE 1")),
        "null": ("", BOUNCER, (250, None), (550, "SRE 9.e")),
        "envelope_spoof": (DIRECTOR, FOREIGN, (250, None), (550, "SRE 9.e")),
        "header_spoof": (FOREIGN, DIRECTOR, (550, "SRE 1"), (550, "SRE 1")),
    }
    internet = {
        "own": (JEFE, JEFE, (550, "SRE 1"), (550, "SRE 1")),
        "other_account": (DIRECTOR, DIRECTOR, (550, "SRE 1"), (550, "SRE 1")),
        "subdomain": (SUBDOMAIN, SUBDOMAIN, (550, "SRE 1"), (550, "SRE 1")),
        "foreign": (FOREIGN, FOREIGN, (250, None), (550, "SRE 9.e")),
        "null": ("", BOUNCER, (250, None), (550, "SRE 9.e")),
        "envelope_spoof": (DIRECTOR, FOREIGN, (550, "SRE 1"), (550, "SRE 1")),
        "header_spoof": (FOREIGN, DIRECTOR, (550, "SRE 1"), (550, "SRE 1")),
    }
    # Refusals that need no content come at MAIL FROM; the rest at end of data.
    at_mail_from = {("authenticated", "SRE 17"), ("authenticated", "SRE 1"), ("internal", "SRE 1")}
    at_mail_from.add(("internal", "SRE 3"))
    for origin, table in (
        ("authenticated", authenticated),
        ("internal", internal),
        ("internet", internet),
    ):
        for form, (mail_from, header_from, benign, executable) in table.items():
            for content, (code, clause) in (("benign", benign), ("zip_exe", executable)):
                stage = Stage.MAIL if (origin, clause) in at_mail_from else Stage.DATA
                yield Row(origin, form, content, mail_from, header_from, code, clause, stage)


ROWS = list(_rows())


def _message(row: Row, recipient: str) -> bytes:
    message = EmailMessage()
    message["From"] = row.header_from
    message["To"] = recipient
    message["Subject"] = f"Fila {row.name}"
    message.set_content("Buenos dias, les comparto la minuta de la reunion.\n")
    if row.content == "zip_exe":
        archive = BytesIO()
        with zipfile.ZipFile(archive, "w") as zipped:
            zipped.writestr("factura.exe", blobs.pe_exe())
        message.add_attachment(
            archive.getvalue(), maintype="application", subtype="zip", filename="factura.zip"
        )
    return message.as_bytes()


@pytest.fixture(scope="module")
def origin_gateway(
    session_sink: RecordingSink, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[RunningAduana, PrivatePostfix]]:
    workdir = tmp_path_factory.mktemp("origin")
    milters = MilterFactory(workdir / "milters")
    postfixes = PostfixFactory(session_sink.port)
    try:
        aduana = start_aduana(milters, workdir, extra_config=NO_LEDGER)
        yield aduana, postfixes(aduana.process.postfix_spec)
        warnings = [
            line
            for line in aduana.process.log_lines()
            if isinstance(line, dict) and line.get("level") in ("warning", "error", "critical")
        ]
        assert warnings == []
    finally:
        postfixes.cleanup()
        milters.cleanup()


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_origin_sender_form_and_content_get_the_expected_answer(
    origin_gateway: tuple[RunningAduana, PrivatePostfix], session_sink: RecordingSink, row: Row
) -> None:
    _, gateway = origin_gateway
    recipient = JEFE if row.origin == "internet" else OUTSIDE
    result = send(
        gateway,
        row.mail_from,
        [recipient],
        _message(row, recipient),
        login=JEFE if row.origin == "authenticated" else None,
        client_address=INTERNET_CLIENT if row.origin == "internet" else None,
    )
    subject = f"Fila {row.name}"
    assert (result.stage, result.code) == (row.stage, row.code), result
    if row.clause is None:
        [copy] = session_sink.wait_for(lambda d: d.header("Subject") == subject, timeout=15)
        assert copy.rcpt_tos == (recipient,)
        assert copy.mail_from == (row.mail_from or "<>")
        assert copy.header("From") == row.header_from
    else:
        assert f"clausula {row.clause}" in result.text, result
        assert session_sink.wait_for(lambda d: d.header("Subject") == subject, timeout=0.3) == []


def test_forged_aduana_headers_never_reach_the_mailbox(
    origin_gateway: tuple[RunningAduana, PrivatePostfix], session_sink: RecordingSink
) -> None:
    """A sender on the internet cannot write X-Aduana-*: only aduana's own verdict arrives."""
    _, gateway = origin_gateway
    raw = (
        f"From: {FOREIGN}\r\nTo: {JEFE}\r\nSubject: Encabezados falsos\r\n"
        "X-Aduana-Verdict: accept\r\nX-Aduana-Rules: ninguna\r\nx-aduana-verdict: clean\r\n"
        "\r\nReenvialo a todos tus contactos.\r\n"
    ).encode()
    result = send(gateway, FOREIGN, [JEFE], raw, client_address=INTERNET_CLIENT)
    assert result.accepted, result
    [copy] = session_sink.wait_for(
        lambda d: d.header("Subject") == "[ADUANA] Encabezados falsos", timeout=15
    )
    assert copy.message.get_all("X-Aduana-Verdict") == ["tag"]
    assert copy.message.get_all("X-Aduana-Rules") == ["content.chain_letter (SRE 9.h)"]


def test_forged_aduana_header_is_removed_from_accepted_mail(
    origin_gateway: tuple[RunningAduana, PrivatePostfix], session_sink: RecordingSink
) -> None:
    _, gateway = origin_gateway
    raw = (
        f"From: {FOREIGN}\r\nTo: {JEFE}\r\nSubject: Aviso limpio\r\n"
        "X-Aduana-Verdict: accept\r\n\r\nHola.\r\n"
    ).encode()
    assert send(gateway, FOREIGN, [JEFE], raw, client_address=INTERNET_CLIENT).accepted
    [copy] = session_sink.wait_for(lambda d: d.header("Subject") == "Aviso limpio", timeout=15)
    assert copy.header("X-Aduana-Verdict") is None


def test_a_refused_mass_mailing_does_not_count_against_the_next_message(
    milter_factory: MilterFactory,
    postfix_factory: PostfixFactory,
    sink: RecordingSink,
    tmp_path: Path,
) -> None:
    """A refused message was not sent: a Director refused for 250 recipients may then
    write to one colleague (the 1 h window allows 200 recipients)."""
    aduana = start_aduana(milter_factory, tmp_path)
    gateway = postfix_factory(aduana.process.postfix_spec)
    many = [f"persona{n}@externo.example" for n in range(250)]
    raw = f"From: {DIRECTOR}\r\nTo: lista@externo.example\r\nSubject: Circular\r\n\r\nHola.\r\n"
    refused = send(gateway, DIRECTOR, many, raw.encode(), login=DIRECTOR)
    assert (refused.code, refused.enhanced_code) == (550, "5.5.3"), refused
    assert "clausula SRE 9.g" in refused.text
    raw = f"From: {DIRECTOR}\r\nTo: {OUTSIDE}\r\nSubject: Una linea\r\n\r\nGracias.\r\n"
    second = send(gateway, DIRECTOR, [OUTSIDE], raw.encode(), login=DIRECTOR)
    assert second.code == 250, second
    [copy] = sink.wait_for(lambda d: d.header("Subject") == "Una linea", timeout=15)
    assert copy.rcpt_tos == (OUTSIDE,)
    assert aduana.metric("aduana_transactions_by_origin_total", origin="authenticated") == 2
