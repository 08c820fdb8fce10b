"""Attachments and encryption judged by true type, through a real Postfix."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.corpus.generate import CASES, Case
from tests.support.transactions import INTERNET_CLIENT

from .aduana_fixtures import RunningAduana, start_aduana
from .harness import MilterFactory, PostfixFactory, PrivatePostfix, RecordingSink, Stage, send

OUTSIDER = "proveedor@example.org"
JEFE = "analista.prueba@sre.gob.mx"
BENIGN = [c for c in CASES if c.benign]
REPRESENTATIVE = {
    "pe_exe", "double_extension", "bidi_override", "zip_exe", "7z_exe", "nested_zip_3", "tnef",
    "uuencode", "mp4", "zip_bomb", "broken_boundary", "zip_aes", "7z_headers", "pdf_encrypted",
    "pgp_mime", "smime_enveloped",
}  # fmt: skip
MALICIOUS = [c for c in CASES if c.name in REPRESENTATIVE]


@pytest.fixture
def aduana(milter_factory: MilterFactory, tmp_path: Path) -> RunningAduana:
    return start_aduana(milter_factory, tmp_path)


@pytest.fixture
def gateway(postfix_factory: PostfixFactory, aduana: RunningAduana) -> PrivatePostfix:
    return postfix_factory(aduana.process.postfix_spec)


def test_every_benign_look_alike_is_delivered(gateway: PrivatePostfix, sink: RecordingSink) -> None:
    results = {
        case.name: send(gateway, OUTSIDER, [JEFE], case.build(), client_address=INTERNET_CLIENT)
        for case in BENIGN
    }
    refused = {name: (r.code, r.text) for name, r in results.items() if not r.accepted}
    assert refused == {}
    delivered = sink.wait_for(count=len(BENIGN), timeout=20)
    assert len(delivered) == len(BENIGN)


@pytest.mark.parametrize("case", MALICIOUS, ids=[c.name for c in MALICIOUS])
def test_inbound_blocked_file_is_refused_at_end_of_data(
    gateway: PrivatePostfix, sink: RecordingSink, case: Case
) -> None:
    result = send(gateway, OUTSIDER, [JEFE], case.build(), client_address=INTERNET_CLIENT)
    assert result.stage is Stage.DATA
    assert (result.code, result.enhanced_code) in {(550, "5.7.1"), (554, "5.6.0")}
    assert "clausula SRE 9.e" in result.text or "clausula SRE 9.f" in result.text
    assert sink.wait_for(timeout=0.5) == []


def test_outbound_executable_names_file_type_and_clause(
    gateway: PrivatePostfix, sink: RecordingSink, aduana: RunningAduana
) -> None:
    case = next(c for c in CASES if c.name == "zip_exe")
    raw = case.build().replace(b"remitente@ejemplo.gob.mx", JEFE.encode(), 1)
    result = send(gateway, JEFE, [OUTSIDER], raw, login=JEFE)
    assert (result.code, result.enhanced_code) == (550, "5.7.1")
    assert 'El archivo "a.zip / a.exe" es en realidad un programa ejecutable' in result.text
    assert "clausula SRE 9.e" in result.text
    assert (
        aduana.metric(
            "aduana_rule_hits_total", rule="attachments.blocked_type", clause="SRE 9.e",
            organisation="sre", rank="Jefe de Departamento", enforced="true",
        )
        == 1
    )  # fmt: skip
