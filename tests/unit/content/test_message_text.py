"""The text content and DLP rules read: subject, body and readable attachments."""

from __future__ import annotations

import io

from aduana.content.message_text import body_text, message_text
from tests.corpus import blobs
from tests.corpus.generate import mail, part, text_part


def _text_of(message: bytes) -> tuple[str, str, str]:
    text = message_text(io.BytesIO(message))
    return text.subject, text.body, text.attachments


def test_body_and_subject_are_read_and_an_executable_gives_no_text() -> None:
    message = mail("Informe =?utf-8?q?mensual?=", [
        text_part("Le envío el informe."),
        part(blobs.pe_exe(), filename="programa.exe"),
    ])  # fmt: skip
    assert _text_of(message) == ("Informe mensual", "Le envío el informe.", "")


def test_a_text_part_with_a_file_name_is_an_attachment_not_the_body() -> None:
    message = mail("Notas", [
        text_part("Adjunto las notas."),
        part(b"Nota interna RESERVADO", "text/plain", filename="notas.txt"),
    ])  # fmt: skip
    _, body, attachments = _text_of(message)
    assert body == "Adjunto las notas."
    assert "Nota interna RESERVADO" in attachments


def test_document_attachments_are_read() -> None:
    message = mail("Oficio", [text_part("Va el oficio."), part(blobs.docx(), filename="o.docx")])
    assert _text_of(message)[2] != ""


def test_a_forwarded_message_in_base64_is_read_as_the_inspection_reads_it() -> None:
    inner = mail("interno", [text_part("Texto del mensaje reenviado.")])
    message = mail("Reenvío", [
        text_part("Reenvío."),
        part(inner, "message/rfc822", filename="reenviado.eml"),
    ])  # fmt: skip
    assert _text_of(message)[1] == "Reenvío.\nTexto del mensaje reenviado."


def test_a_multipart_without_its_delimiters_is_read_as_it_stands() -> None:
    message = (
        b"Subject: roto\r\nContent-Type: multipart/mixed; boundary=nunca\r\n\r\n"
        b"Texto sin delimitadores.\r\n"
    )
    assert "Texto sin delimitadores." in _text_of(message)[2]


def test_body_text_leaves_out_attachments() -> None:
    message = mail("Notas", [
        text_part("Cuerpo."),
        part(b"Adjunto de texto.", "text/plain", filename="notas.txt"),
    ])  # fmt: skip
    assert body_text(io.BytesIO(message)) == "Cuerpo."
