# ruff: noqa: E501  (the table reads best one case per line)
"""Issue 12 families: every container, header comments, two readings of a zip, and
text inside archives; with the benign look-alikes that must still pass.

Each case names the rule that must refuse (or hold) it under the shipped
configuration, or None for a look-alike that must be delivered. Messages are built
from harmless members: a PE header with no code named like a document, short texts.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass

from aduana.content.identifiers import curp_check_digit
from tests.corpus import blobs, containers, rar
from tests.corpus.generate import CRLF, _b64, _head, _lines, mail, part, text_part, with_attachment

BLOCKED = "attachments.blocked_type"
UNINSPECTABLE = "attachments.uninspectable"
MARKING = "dlp.classified_marking"
PERSONAL_DATA = "dlp.personal_data"


@dataclass(frozen=True)
class FamilyCase:
    name: str
    technique: str
    rule: str | None
    build: Callable[[], bytes]

    @property
    def benign(self) -> bool:
        return self.rule is None


def _pe_as_invoice() -> dict[str, bytes]:
    return {"factura.pdf": blobs.pe_exe(), "leeme.txt": b"Factura de marzo."}


def _attached(
    build: Callable[[], bytes], filename: str, ctype: str = "application/octet-stream"
) -> Callable[[], bytes]:
    return lambda: with_attachment(f"adjunto {filename}", build(), filename, ctype)


def jpeg() -> bytes:
    """A JFIF header and an empty scan: libmagic calls it image/jpeg."""
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return b"\xff\xd8\xff\xe0" + struct.pack(">H", len(app0) + 2) + app0 + b"\xff\xd9"


def ics() -> bytes:
    return CRLF.join([
        b"BEGIN:VCALENDAR", b"VERSION:2.0", b"PRODID:-//SRE//Agenda//ES", b"METHOD:REQUEST",
        b"BEGIN:VEVENT", b"UID:reunion-1@sre.gob.mx", b"DTSTAMP:20260105T100000Z",
        b"DTSTART:20260112T160000Z", b"DTEND:20260112T170000Z", b"SUMMARY:Reunion de seguimiento",
        b"END:VEVENT", b"END:VCALENDAR", b"",
    ])  # fmt: skip


def comment_in_value() -> bytes:
    """Content-Type: ()multipart/mixed — a reader that keeps the comment sees text."""
    ctype = 'Content-Type: ()multipart/mixed; boundary="=_c"'
    body = b"--=_c" + CRLF + part(blobs.pe_exe(), filename="factura.pdf") + CRLF + b"--=_c--" + CRLF
    return _lines(_head("comentario en el valor", ctype), body)


def comment_in_name() -> bytes:
    """Content-Type(x): — not a valid field name, but some clients take it."""
    ctype = 'Content-Type(x): multipart/mixed; boundary="=_c"'
    body = b"--=_c" + CRLF + part(blobs.pe_exe(), filename="factura.pdf") + CRLF + b"--=_c--" + CRLF
    return _lines(_head("comentario en el nombre", ctype), body)


def comment_in_transfer_encoding() -> bytes:
    attachment = _lines(
        ['Content-Type: application/pdf; name="factura.pdf"',
         'Content-Disposition: attachment; filename="factura.pdf"',
         "Content-Transfer-Encoding: (binario) base64"],
        _b64(blobs.pe_exe()),
    )  # fmt: skip
    return mail("comentario en la codificacion", [text_part("Adjunto."), attachment])


def binhex_inline() -> bytes:
    text = "Le envío la factura en BinHex:\r\n\r\n".encode() + containers.binhex(
        "factura.pdf", blobs.pe_exe()
    )
    return mail("binhex en el cuerpo", [part(text, "text/plain; charset=utf-8", cte="8bit")])


def _reserved_text() -> bytes:
    return "RESERVADO\r\nInforme de la negociación bilateral, ronda 3.\r\n".encode()


def _curp_csv() -> bytes:
    """Seven CURPs with valid check digits (over the shipped limit of five)."""
    stems = ["GODE561231HDFRRN0", "MAHJ800101MDFRRN0", "PEPJ920229HDFRRN0", "LOPA750615MDFRRN0",
             "SAGR881120HDFRRN0", "RUMC920304MDFRRN0", "HEVL851010HDFRRN0"]  # fmt: skip
    curps = [stem + curp_check_digit(stem) for stem in stems]
    rows = "".join(f"persona {i},{curp}\r\n" for i, curp in enumerate(curps))
    return ("nombre,curp\r\n" + rows).encode()


CASES: tuple[FamilyCase, ...] = (
    FamilyCase("rar5_compressed_pe", "RAR 5 comprimido con un PE llamado factura.pdf", BLOCKED, _attached(lambda: rar.rar5(_pe_as_invoice()), "facturas.rar")),
    FamilyCase("rar4_compressed_pe", "RAR 4 (método 2.9) comprimido con un PE llamado factura.pdf", BLOCKED, _attached(lambda: rar.rar4(_pe_as_invoice()), "facturas.rar")),
    FamilyCase("rar_damaged", "RAR 5 cortado a la mitad", UNINSPECTABLE, _attached(lambda: rar.rar5(_pe_as_invoice())[:200], "facturas.rar")),
    FamilyCase("iso9660_pe", "imagen ISO 9660 con un PE", BLOCKED, _attached(lambda: containers.bsdtar("iso9660", _pe_as_invoice()), "facturas.iso")),
    FamilyCase("iso_udf_pe", "imagen híbrida ISO 9660 + UDF con un PE", BLOCKED, _attached(lambda: containers.iso_udf(_pe_as_invoice()), "facturas.img")),
    FamilyCase("udf_only", "imagen solo UDF (libarchive no la lee)", UNINSPECTABLE, _attached(containers.udf_only_stub, "facturas.img")),
    FamilyCase("cab_pe", "CAB (MSZIP) con un PE", BLOCKED, _attached(lambda: containers.cab(_pe_as_invoice()), "facturas.cab")),
    FamilyCase("cpio_pe", "cpio (odc) con un PE", BLOCKED, _attached(lambda: containers.bsdtar("cpio", _pe_as_invoice()), "facturas.cpio")),
    FamilyCase("xar_pe", "xar con un PE", BLOCKED, _attached(lambda: containers.bsdtar("xar", _pe_as_invoice()), "facturas.xar")),
    FamilyCase("ar_pe", "ar con un PE", BLOCKED, _attached(lambda: containers.bsdtar("ar", _pe_as_invoice()), "facturas.a")),
    FamilyCase("zstd_pe", "zstd de un PE", BLOCKED, _attached(lambda: containers.bsdtar("raw", {"factura.pdf": blobs.pe_exe()}, "--zstd"), "factura.pdf.zst")),
    FamilyCase("lz4_pe", "lz4 de un PE", BLOCKED, _attached(lambda: containers.bsdtar("raw", {"factura.pdf": blobs.pe_exe()}, "--lz4"), "factura.pdf.lz4")),
    FamilyCase("deflate64_pe", "zip con miembros Deflate64", BLOCKED, _attached(lambda: containers.zip_deflate64(_pe_as_invoice()), "facturas.zip")),
    FamilyCase("binhex_attachment", "BinHex 4.0 adjunto", BLOCKED, _attached(lambda: containers.binhex("factura.pdf", blobs.pe_exe()), "factura.hqx", "application/mac-binhex40")),
    FamilyCase("binhex_inline", "BinHex 4.0 en el cuerpo de texto", BLOCKED, binhex_inline),
    FamilyCase("comment_in_value", "Content-Type: ()multipart/mixed", BLOCKED, comment_in_value),
    FamilyCase("comment_in_name", "Content-Type(x): multipart/mixed", BLOCKED, comment_in_name),
    FamilyCase("comment_in_cte", "Content-Transfer-Encoding: (binario) base64", BLOCKED, comment_in_transfer_encoding),
    FamilyCase("zip_local_name_differs", "zip: el directorio central dice leeme.txt, el encabezado local leeme.exe", BLOCKED, _attached(lambda: containers.zip_names_disagree("leeme.txt", "leeme.exe", blobs.pe_exe()), "documentos.zip")),
    FamilyCase("zip_hidden_member", "zip con un miembro que el directorio central no lista", BLOCKED, _attached(lambda: containers.zip_with_hidden_member({"foto.png": blobs.png()}, {"factura.pdf": blobs.pe_exe()}), "fotos.zip")),
    FamilyCase("zip_reserved_text", "zip con un texto RESERVADO", MARKING, _attached(lambda: blobs.zip_of({"informe.txt": _reserved_text()}), "informe.zip")),
    FamilyCase("rar_reserved_text", "RAR 5 comprimido con un texto RESERVADO", MARKING, _attached(lambda: rar.rar5({"informe.txt": _reserved_text()}), "informe.rar")),
    FamilyCase("nested_zip_curps", "zip dentro de zip con un CSV de CURP", PERSONAL_DATA, _attached(lambda: blobs.zip_of({"datos.zip": blobs.zip_of({"alumnos.csv": _curp_csv()})}), "datos.zip")),
    FamilyCase("benign_zip_photos", "zip de fotos (JPEG y PNG)", None, _attached(lambda: blobs.zip_of({"foto1.jpg": jpeg(), "foto2.jpg": jpeg(), "logo.png": blobs.png()}), "fotos.zip", "application/zip")),
    FamilyCase("benign_ics", "invitación de calendario .ics", None, _attached(ics, "invitacion.ics", "text/calendar; method=REQUEST")),
    FamilyCase("benign_rar_documents", "RAR 5 comprimido con PDF y texto", None, _attached(lambda: rar.rar5({"oficio.pdf": blobs.pdf(), "nota.txt": b"Nota."}), "expediente.rar")),
    FamilyCase("benign_iso_documents", "ISO 9660 con un PDF", None, _attached(lambda: containers.bsdtar("iso9660", {"oficio.pdf": blobs.pdf()}), "expediente.iso")),
    FamilyCase("benign_comment_header", "Content-Type con comentario y texto normal", None, lambda: _lines(_head("comentario", "Content-Type: text/plain (texto); charset=utf-8"), b"Saludos cordiales.\r\n")),
)  # fmt: skip
