"""Containers and text inside them, through a real private Postfix.

A renamed executable inside a compressed RAR (which rarfile alone cannot open) is
refused at end of data citing SRE 9.e; a zip holding a RESERVADO text leaving the
institution is held (SRE 9.i) like the same text attached on its own; a zip of
photos and a calendar invitation are delivered.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.corpus.families import CASES
from tests.support.transactions import INTERNET_CLIENT

from .aduana_fixtures import RunningAduana, start_aduana
from .harness import MilterFactory, PostfixFactory, PrivatePostfix, RecordingSink, Stage, send

JEFE = "analista.prueba@sre.gob.mx"
OUTSIDER = "proveedor@example.org"


def _case(name: str) -> bytes:
    return next(c for c in CASES if c.name == name).build()


@pytest.fixture
def aduana(milter_factory: MilterFactory, tmp_path: Path) -> RunningAduana:
    return start_aduana(milter_factory, tmp_path, env={"PYTHONFAULTHANDLER": "1"})


@pytest.fixture
def gateway(postfix_factory: PostfixFactory, aduana: RunningAduana) -> PrivatePostfix:
    return postfix_factory(aduana.process.postfix_spec)


def test_renamed_executable_in_a_compressed_rar_is_refused_citing_sre_9e(
    gateway: PrivatePostfix, sink: RecordingSink, aduana: RunningAduana
) -> None:
    result = send(
        gateway, OUTSIDER, [JEFE], _case("rar5_compressed_pe"), client_address=INTERNET_CLIENT
    )
    assert result.stage is Stage.DATA
    assert (result.code, result.enhanced_code) == (550, "5.7.1")
    assert 'El archivo "facturas.rar / factura.pdf" es en realidad un programa ejecutable' in (
        result.text
    )
    assert "clausula SRE 9.e" in result.text
    assert sink.wait_for(timeout=0.5) == []


def test_container_that_cannot_be_opened_is_refused_not_delivered(
    gateway: PrivatePostfix, sink: RecordingSink, aduana: RunningAduana
) -> None:
    result = send(gateway, OUTSIDER, [JEFE], _case("rar_damaged"), client_address=INTERNET_CLIENT)
    assert (result.code, result.enhanced_code) == (550, "5.7.1")
    assert 'El archivo "facturas.rar" no puede abrirse para revisarlo' in result.text
    assert "clausula SRE 9.e" in result.text
    assert (
        aduana.metric(
            "aduana_rule_hits_total", rule="attachments.uninspectable", clause="SRE 9.e",
            organisation="sre", rank="none", enforced="true",
        )
        == 1
    )  # fmt: skip


@pytest.fixture
def held_gateway(postfix_factory: PostfixFactory) -> PrivatePostfix:
    return postfix_factory()


@pytest.fixture
def noticing_aduana(
    held_gateway: PrivatePostfix, milter_factory: MilterFactory, tmp_path: Path
) -> RunningAduana:
    """aduana submitting its notices back through the gateway (DLP holds notify)."""
    notices = f"notices:\n  smtp_host: 127.0.0.1\n  smtp_port: {held_gateway.port}\n"
    running = start_aduana(milter_factory, tmp_path, notices)
    held_gateway.set_milter(running.process.postfix_spec)
    return running


def test_zip_of_a_reserved_text_leaving_the_institution_is_held(
    held_gateway: PrivatePostfix, sink: RecordingSink, noticing_aduana: RunningAduana
) -> None:
    gateway, aduana = held_gateway, noticing_aduana
    raw = _case("zip_reserved_text").replace(b"remitente@ejemplo.gob.mx", JEFE.encode(), 1)
    result = send(gateway, JEFE, [OUTSIDER], raw, login=JEFE)
    assert result.accepted, result
    [held] = gateway.hold_queue()
    assert held["queue_id"] == result.queue_id
    [event] = [e for e in aduana.events("transaction") if e["queue_id"] == result.queue_id]
    assert event["action"] == "quarantine"
    assert not [d for d in sink.delivered if OUTSIDER in d.rcpt_tos]


def test_zip_of_photos_and_a_calendar_invitation_are_delivered(
    gateway: PrivatePostfix, sink: RecordingSink
) -> None:
    for name in ("benign_zip_photos", "benign_ics", "benign_rar_documents"):
        result = send(gateway, OUTSIDER, [JEFE], _case(name), client_address=INTERNET_CLIENT)
        assert result.accepted, (name, result)
    assert len(sink.wait_for(count=3, timeout=20)) == 3
