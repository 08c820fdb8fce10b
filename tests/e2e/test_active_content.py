"""Macros and scripts by content, through a real Postfix: refused at end of data with
the clause, and the benign look-alikes delivered."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.corpus.active import ACCEPT, CASES
from tests.support.transactions import INTERNET_CLIENT

from .aduana_fixtures import RunningAduana, start_aduana
from .harness import MilterFactory, PostfixFactory, PrivatePostfix, RecordingSink, Stage, send

OUTSIDER = "proveedor@example.org"
JEFE = "analista.prueba@sre.gob.mx"
BENIGN = [c for c in CASES if c.expected == ACCEPT]


@pytest.fixture
def aduana(milter_factory: MilterFactory, tmp_path: Path) -> RunningAduana:
    return start_aduana(milter_factory, tmp_path)


@pytest.fixture
def gateway(postfix_factory: PostfixFactory, aduana: RunningAduana) -> PrivatePostfix:
    return postfix_factory(aduana.process.postfix_spec)


def _build(name: str) -> bytes:
    return next(c for c in CASES if c.name == name).build()


def test_outbound_docm_with_a_macro_is_refused_citing_sre_9e(
    gateway: PrivatePostfix, sink: RecordingSink, aduana: RunningAduana
) -> None:
    raw = _build("docm_vba").replace(b"remitente@ejemplo.gob.mx", JEFE.encode(), 1)
    result = send(gateway, JEFE, [OUTSIDER], raw, login=JEFE)
    assert result.stage is Stage.DATA
    assert (result.code, result.enhanced_code) == (550, "5.7.1")
    assert "clausula SRE 9.e" in result.text
    assert 'El archivo "oficio.docm" contiene macros VBA' in result.text
    assert sink.wait_for(timeout=0.5) == []
    assert (
        aduana.metric(
            "aduana_rule_hits_total", rule="active_content.macros", clause="SRE 9.e",
            organisation="sre", rank="Jefe de Departamento", enforced="true",
        )
        == 1
    )  # fmt: skip


def test_inbound_powershell_renamed_txt_is_refused_as_a_script(
    gateway: PrivatePostfix, sink: RecordingSink
) -> None:
    result = send(
        gateway, OUTSIDER, [JEFE], _build("powershell_txt"), client_address=INTERNET_CLIENT
    )
    assert result.stage is Stage.DATA
    assert (result.code, result.enhanced_code) == (550, "5.7.1")
    assert "clausula SRE 9.e" in result.text
    assert 'El archivo "notas.txt" es en realidad un script' in result.text
    assert sink.wait_for(timeout=0.5) == []


def test_benign_documents_and_text_look_alikes_are_delivered(
    gateway: PrivatePostfix, sink: RecordingSink
) -> None:
    results = {
        case.name: send(gateway, OUTSIDER, [JEFE], case.build(), client_address=INTERNET_CLIENT)
        for case in BENIGN
    }
    refused = {name: (r.code, r.text) for name, r in results.items() if not r.accepted}
    assert refused == {}
    assert len(sink.wait_for(count=len(BENIGN), timeout=20)) == len(BENIGN)
