"""aduana inside a real Postfix: identity and per-rank size caps, over real SMTP."""

from __future__ import annotations

from pathlib import Path

import pytest

from .aduana_fixtures import RunningAduana, start_aduana
from .harness import (
    MilterFactory,
    PostfixFactory,
    PrivatePostfix,
    RecordingSink,
    Stage,
    send,
    wait_until,
)

MIB = 1024 * 1024
JEFE = "analista.prueba@sre.gob.mx"
DIRECTOR = "director.prueba@sre.gob.mx"
SUSPENDED = "suspendido.prueba@sre.gob.mx"
OUTSIDE = "destinatario@externo.example"


def message(sender: str, subject: str, body_bytes: int = 200) -> bytes:
    line = b"Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.\n"
    body = line * (body_bytes // len(line) + 1)
    head = f"From: <{sender}>\nTo: <{OUTSIDE}>\nSubject: {subject}\nMessage-ID: <{subject}@sre>\n\n"
    return head.encode() + body


@pytest.fixture
def aduana(milter_factory: MilterFactory, tmp_path: Path) -> RunningAduana:
    return start_aduana(milter_factory, tmp_path)


@pytest.fixture
def gateway(postfix_factory: PostfixFactory, aduana: RunningAduana) -> PrivatePostfix:
    return postfix_factory(aduana.process.postfix_spec)


def test_over_cap_message_from_jefe_de_departamento_is_refused_naming_the_clause(
    gateway: PrivatePostfix, sink: RecordingSink, aduana: RunningAduana
) -> None:
    result = send(gateway, JEFE, [OUTSIDE], message(JEFE, "grande", int(5.5 * MIB)), login=JEFE)
    assert (result.stage, result.code, result.enhanced_code) == (Stage.DATA, 552, "5.3.4")
    assert "clausula SRE 7.a" in result.text
    assert "limite para el cargo Jefe de Departamento es 5.0 MB" in result.text
    assert sink.wait_for(timeout=1.0) == []
    [event] = aduana.events("transaction")
    assert event["action"] == "reject"
    assert event["queue_id"]
    assert event["reasons"] == [
        {"rule": "size.cap", "clause": "SRE 7.a", "enforced": True, "action": "reject"}
    ]


def test_same_size_from_director_general_reaches_the_sink(
    gateway: PrivatePostfix, sink: RecordingSink, aduana: RunningAduana
) -> None:
    raw = message(DIRECTOR, "grande-dg", int(5.5 * MIB))
    result = send(gateway, DIRECTOR, [OUTSIDE], raw, login=DIRECTOR)
    assert result.accepted, result
    [delivered] = sink.wait_for(lambda d: OUTSIDE in d.rcpt_tos, timeout=15)
    assert delivered.mail_from == DIRECTOR
    assert delivered.header("Subject") == "grande-dg"
    assert len(delivered.raw) > 5.5 * MIB
    [event] = aduana.events("transaction")
    assert event["queue_id"] == result.queue_id
    assert event["action"] == "accept"


def test_declared_size_over_cap_is_refused_at_mail_from(
    gateway: PrivatePostfix, sink: RecordingSink
) -> None:
    result = send(
        gateway, JEFE, [OUTSIDE], message(JEFE, "declarado"),
        login=JEFE, mail_options=(f"SIZE={6 * MIB}",),
    )  # fmt: skip
    assert (result.stage, result.code, result.enhanced_code) == (Stage.MAIL, 552, "5.3.4")
    assert "clausula SRE 7.a" in result.text
    assert "declarado" in result.text


def test_suspended_account_is_refused(gateway: PrivatePostfix, sink: RecordingSink) -> None:
    result = send(gateway, SUSPENDED, [OUTSIDE], message(SUSPENDED, "suspendido"))
    assert (result.stage, result.code, result.enhanced_code) == (Stage.MAIL, 550, "5.7.1")
    assert "esta suspendida" in result.text
    assert "SRE 18" in result.text
    assert sink.wait_for(timeout=1.0) == []


def test_login_that_does_not_own_the_sender_is_refused(
    gateway: PrivatePostfix, sink: RecordingSink
) -> None:
    result = send(gateway, DIRECTOR, [OUTSIDE], message(DIRECTOR, "ajeno"), login=JEFE)
    assert (result.stage, result.code, result.enhanced_code) == (Stage.MAIL, 553, "5.7.1")
    assert "personales e intransferibles" in result.text


def test_metrics_endpoint_shows_the_counts(
    gateway: PrivatePostfix, sink: RecordingSink, aduana: RunningAduana
) -> None:
    send(gateway, SUSPENDED, [OUTSIDE], message(SUSPENDED, "m1"))
    assert send(gateway, DIRECTOR, [OUTSIDE], message(DIRECTOR, "m2"), login=DIRECTOR).accepted
    assert aduana.metric("aduana_transactions_total", action="reject") == 1
    assert aduana.metric("aduana_transactions_total", action="accept") == 1
    hits = aduana.metric(
        "aduana_rule_hits_total", rule="identity.inactive_account", clause="SRE 18",
        organisation="sre", rank="Enlace", enforced="true",
    )  # fmt: skip
    assert hits == 1
    assert aduana.metric("aduana_message_size_bytes_count") == 1
    assert aduana.metric("aduana_processing_seconds_count") == 2


def test_killed_milter_gives_4xx_and_loses_nothing(
    gateway: PrivatePostfix, sink: RecordingSink, aduana: RunningAduana
) -> None:
    aduana.process.kill()
    result = send(gateway, DIRECTOR, [OUTSIDE], message(DIRECTOR, "sin-filtro"), login=DIRECTOR)
    assert result.temporary, result
    assert result.enhanced_code == "4.7.1"
    assert sink.wait_for(timeout=1.0) == []
    assert gateway.queue() == []


@pytest.mark.allow_log_events("config_reload_failed")
def test_reload_with_bad_file_keeps_old_config_then_good_file_applies(
    gateway: PrivatePostfix, sink: RecordingSink, aduana: RunningAduana
) -> None:
    config = aduana.config_file
    good = config.read_text(encoding="utf-8")
    config.write_text(good.replace("monitor_only: false", "monitor_only: maybe"), "utf-8")
    aduana.process.hup()
    assert wait_until(lambda: aduana.metric("aduana_config_reloads_total", result="failure") == 1)
    [failure] = aduana.events("config_reload_failed")
    assert "monitor_only" in str(failure["problems"])
    assert send(gateway, SUSPENDED, [OUTSIDE], message(SUSPENDED, "r1")).code == 550

    config.write_text(good.replace("monitor_only: false", "monitor_only: true"), "utf-8")
    aduana.process.hup()
    assert wait_until(lambda: aduana.metric("aduana_config_reloads_total", result="success") == 1)
    assert send(gateway, SUSPENDED, [OUTSIDE], message(SUSPENDED, "r2")).accepted
    assert sink.wait_for(lambda d: d.header("Subject") == "r2", timeout=10)
    [*_, last] = aduana.events("transaction")
    assert last["action"] == "accept"
    assert last["reasons"] == [
        {"rule": "identity.inactive_account", "clause": "SRE 18", "enforced": False,
         "action": "reject"}
    ]  # fmt: skip


def test_sigterm_stops_cleanly(aduana: RunningAduana) -> None:
    assert aduana.process.terminate(timeout=15) == 0
    assert aduana.events("stopped")
