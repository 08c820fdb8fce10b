"""A reader that raises on one part gives a permanent, cited answer, never a 4xx loop."""

from __future__ import annotations

import errno
import io
import json
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path

import pytest
from pypdf import PdfWriter

from aduana.commands.explain import Submission, explain
from aduana.gateway.runtime import Runtime
from aduana.inspect import UninspectablePart
from aduana.inspect.part_boundary import read_part
from aduana.policy.verdict import Action
from tests.conftest import SHIPPED_CONFIG

OUTSIDER = "proveedor@example.org"
JEFE = "analista.prueba@sre.gob.mx"
NOW = 1_795_000_000.0
# The original bug: pypdf without `cryptography` raises DependencyError on AES PDFs.
WITHOUT_CRYPTO = """
import sys
sys.modules["cryptography"] = None
sys.modules["Crypto"] = None
from aduana.cli import main
sys.exit(main(sys.argv[1:]))
"""


def aes_pdf(user_password: str) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.encrypt(user_password=user_password, owner_password="dueno", algorithm="AES-256")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def message_with_pdf(pdf: bytes) -> bytes:
    message = EmailMessage()
    message["From"] = OUTSIDER
    message["To"] = JEFE
    message["Subject"] = "Informe"
    message.set_content("Adjunto el informe.")
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename="informe.pdf")
    return message.as_bytes()


def test_a_raising_reader_becomes_a_finding_naming_the_exception_type() -> None:
    found: list[UninspectablePart] = []

    def broken_reader() -> None:
        raise KeyError("/Root")

    read_part("2", "informe.pdf", broken_reader, found)
    read_part("2", "informe.pdf", broken_reader, found)
    assert found == [UninspectablePart("2", "informe.pdf", "KeyError")]


def test_a_full_disk_is_an_outage_and_still_propagates() -> None:
    def full_disk() -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        read_part("2", "informe.pdf", full_disk, [])


def test_aes_encrypted_pdf_with_a_password_is_refused_as_encryption(
    shipped_runtime: Runtime,
) -> None:
    submission = Submission(OUTSIDER, (JEFE,), message_with_pdf(aes_pdf("secreto")))
    verdict = explain(shipped_runtime, submission, NOW)
    assert verdict.action is Action.REJECT
    assert verdict.reply is not None
    assert verdict.reply.code == 550
    assert "clausula SRE 9.f" in verdict.reply.text


def test_aes_pdf_readable_without_a_password_is_never_a_tempfail(
    shipped_runtime: Runtime,
) -> None:
    submission = Submission(OUTSIDER, (JEFE,), message_with_pdf(aes_pdf("")))
    verdict = explain(shipped_runtime, submission, NOW)
    assert verdict.action is not Action.TEMPFAIL
    assert all(r.rule != "attachments.uninspectable" for r in verdict.reasons)


def test_without_cryptography_an_aes_pdf_is_still_refused_with_a_cited_answer(
    tmp_path: Path,
) -> None:
    """What a fresh install without pypdf's crypto extra did: 451 on every retry.

    The PDF inspection (pypdf) cannot open the AES PDF without `cryptography`: the
    part is uninspectable, refused under SRE 9.e: a permanent cited answer.
    """
    eml = tmp_path / "aes.eml"
    eml.write_bytes(message_with_pdf(aes_pdf("secreto")))
    command = [sys.executable, "-c", WITHOUT_CRYPTO, "explain", "--config", str(SHIPPED_CONFIG),
               "--sender", OUTSIDER, "--rcpt", JEFE, str(eml)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    verdict = json.loads(done.stdout)
    assert verdict["action"] == "reject"
    assert verdict["smtp_reply"].startswith("550 5.7.1")
    assert "clausula SRE 9.e" in verdict["smtp_reply"]
    assert (
        '"informe.pdf" no puede abrirse para revisarlo (error al leerlo)' in verdict["smtp_reply"]
    )
