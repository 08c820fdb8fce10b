"""ClamAV through a real private Postfix, a real aduana and a real private clamd."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.support.clamd import REPORTED_SIGNATURE, ClamdServer, clam_exe, require_clamd
from tests.support.transactions import INTERNET_CLIENT

from .aduana_fixtures import RunningAduana, start_aduana
from .harness import MilterFactory, PostfixFactory, PrivatePostfix, RecordingSink, Stage, send

OUTSIDER = "proveedor@example.org"
JEFE = "analista.prueba@sre.gob.mx"


@pytest.fixture
def clamd(tmp_path: Path) -> Iterator[ClamdServer]:
    require_clamd()
    with ClamdServer(tmp_path / "clamd") as server:
        yield server


@pytest.fixture
def aduana(milter_factory: MilterFactory, tmp_path: Path, clamd: ClamdServer) -> RunningAduana:
    extra = f'antivirus:\n  socket: "{clamd.socket_spec}"\n  timeout_seconds: 5\n'
    return start_aduana(milter_factory, tmp_path, extra_config=extra)


@pytest.fixture
def gateway(postfix_factory: PostfixFactory, aduana: RunningAduana) -> PrivatePostfix:
    return postfix_factory(aduana.process.postfix_spec)


def message(attachment: bytes, name: str, subtype: str) -> bytes:
    mail = EmailMessage()
    mail["From"] = OUTSIDER
    mail["To"] = JEFE
    mail["Subject"] = "Factura de noviembre"
    mail.set_content("Adjunto la factura.")
    mail.add_attachment(attachment, maintype="application", subtype=subtype, filename=name)
    return mail.as_bytes()


def zipped_clam_exe() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("factura.pdf", clam_exe())
    return buffer.getvalue()


def test_clam_exe_in_a_zip_is_refused_citing_the_clause_and_logged_by_signature(
    gateway: PrivatePostfix, sink: RecordingSink, aduana: RunningAduana
) -> None:
    result = send(
        gateway,
        OUTSIDER,
        [JEFE],
        message(zipped_clam_exe(), "factura.zip", "zip"),
        client_address=INTERNET_CLIENT,
    )
    assert result.stage is Stage.DATA
    assert (result.code, result.enhanced_code) == (554, "5.7.1")
    assert "clausula SRE 9.e" in result.text
    assert "virus" in result.text
    assert REPORTED_SIGNATURE not in result.text
    assert sink.wait_for(timeout=0.5) == []
    event = aduana.events("transaction")[-1]
    assert event["virus"] == REPORTED_SIGNATURE
    assert aduana.metric("aduana_antivirus_scans_total", result="infected") == 1


def test_a_clean_attachment_is_scanned_and_delivered(
    gateway: PrivatePostfix, sink: RecordingSink, aduana: RunningAduana
) -> None:
    result = send(
        gateway,
        OUTSIDER,
        [JEFE],
        message(b"Fecha,Monto\n", "datos.csv", "csv"),
        client_address=INTERNET_CLIENT,
    )
    assert result.accepted
    assert len(sink.wait_for(count=1, timeout=20)) == 1
    assert aduana.metric("aduana_antivirus_scans_total", result="clean") == 1


@pytest.mark.allow_log_events("antivirus_unavailable")
def test_clamd_stopped_gives_4xx_and_counts_the_outage(
    gateway: PrivatePostfix, sink: RecordingSink, aduana: RunningAduana, clamd: ClamdServer
) -> None:
    clamd.stop()
    result = send(
        gateway,
        OUTSIDER,
        [JEFE],
        message(b"Fecha,Monto\n", "datos.csv", "csv"),
        client_address=INTERNET_CLIENT,
    )
    assert result.stage is Stage.DATA
    assert (result.code, result.enhanced_code) == (451, "4.7.1")
    assert "antivirus" in result.text
    assert sink.wait_for(timeout=0.5) == []
    assert aduana.metric("aduana_backend_tempfails_total", backend="clamd") == 1
    assert aduana.metric("aduana_antivirus_scans_total", result="unavailable") == 1
