"""ClamdScanner against a real private clamd (Debian clamav-daemon)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from aduana.config.schema import AntivirusSettings
from aduana.gateway.antivirus import ClamdScanner
from aduana.policy.facts import ScanResult
from tests.support.clamd import REPORTED_SIGNATURE, ClamdServer, clam_exe, require_clamd


@pytest.fixture(scope="module")
def clamd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClamdServer]:
    require_clamd()
    with ClamdServer(tmp_path_factory.mktemp("clamd")) as server:
        yield server


def message_with(name: str, data: bytes) -> io.BytesIO:
    message = EmailMessage()
    message["From"] = "proveedor@example.org"
    message["To"] = "analista.prueba@sre.gob.mx"
    message["Subject"] = "Factura"
    message.set_content("Adjunto la factura.")
    message.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    return io.BytesIO(message.as_bytes())


def zipped(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


def scanner_for(spec: str, timeout: int = 5, stream_max: str = "30MiB") -> ClamdScanner:
    settings = {"socket": spec, "timeout_seconds": timeout, "stream_max_bytes": stream_max}
    return ClamdScanner(AntivirusSettings.model_validate(settings))


def test_finds_the_signature_inside_a_zip_inside_the_message(clamd: ClamdServer) -> None:
    scan = scanner_for(clamd.socket_spec).scan(
        message_with("factura.zip", zipped("factura.pdf", clam_exe()))
    )
    assert scan.result is ScanResult.INFECTED
    assert scan.signature == REPORTED_SIGNATURE


def test_an_ordinary_message_is_clean(clamd: ClamdServer) -> None:
    scan = scanner_for(clamd.socket_spec).scan(message_with("notas.txt", b"Reunion el lunes."))
    assert scan.result is ScanResult.CLEAN
    assert scan.signature is None


def test_a_missing_socket_is_an_outage_not_an_exception(tmp_path: Path) -> None:
    scan = scanner_for(f"unix:{tmp_path / 'none.sock'}").scan(message_with("a.txt", b"hola"))
    assert scan.result is ScanResult.UNAVAILABLE
    assert "none.sock" in scan.error


def test_a_stopped_clamd_is_an_outage(tmp_path: Path) -> None:
    require_clamd()
    server = ClamdServer(tmp_path)
    server.start()
    server.stop()
    scan = scanner_for(server.socket_spec).scan(message_with("a.txt", b"hola"))
    assert scan.result is ScanResult.UNAVAILABLE


def test_a_message_longer_than_stream_max_length_is_too_large(tmp_path: Path) -> None:
    require_clamd()
    with ClamdServer(tmp_path, stream_max="1M") as small:
        scanner = scanner_for(small.socket_spec, stream_max="1MiB")
        assert scanner.scan(message_with("small.bin", b"\0" * 500_000)).result is ScanResult.CLEAN
        scan = scanner.scan(message_with("big.bin", b"\0" * 2_000_000))
    assert scan.result is ScanResult.TOO_LARGE


def test_tcp_socket_spec_reaches_nothing_on_a_closed_port() -> None:
    scan = scanner_for("inet:9@127.0.0.1", timeout=1).scan(message_with("a.txt", b"hola"))
    assert scan.result is ScanResult.UNAVAILABLE
