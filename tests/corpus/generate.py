# ruff: noqa: E501  (the corpus table reads best one case per line)
"""The inspection corpus: one synthetic message per technique, plus benign look-alikes.

Messages are built by hand (not with `email`) so that they can be broken on purpose.
Run `python -m tests.corpus.generate DIR` to write them as .eml files; the tests build
them into a temporary directory instead, so no binary file is committed.
"""

from __future__ import annotations

import base64
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.corpus import blobs

CRLF = b"\r\n"


@dataclass(frozen=True)
class Case:
    name: str
    technique: str
    expected: str
    build: Callable[[], bytes]
    benign: bool = False


def _head(subject: str, *extra: str) -> list[str]:
    return [
        "From: Remitente <remitente@ejemplo.gob.mx>",
        "To: Destino <destino@ejemplo.gob.mx>",
        f"Subject: {subject}",
        "Date: Mon, 06 May 2024 10:00:00 -0600",
        "Message-ID: <corpus-{}@ejemplo.gob.mx>".format(subject.replace(" ", "-")),
        "MIME-Version: 1.0",
        *extra,
    ]


def _lines(lines: list[str], body: bytes, newline: bytes = CRLF) -> bytes:
    head = newline.join(line.encode("utf-8") for line in lines)
    return head + newline + newline + body


def _b64(data: bytes, newline: bytes = CRLF) -> bytes:
    return base64.encodebytes(data).replace(b"\n", newline)


def part(
    data: bytes,
    ctype: str = "application/octet-stream",
    *,
    filename: str | None = None,
    cte: str = "base64",
    headers: tuple[str, ...] = (),
) -> bytes:
    lines = [f"Content-Type: {ctype}" + (f'; name="{filename}"' if filename else "")]
    if filename is not None:
        lines.append(f'Content-Disposition: attachment; filename="{filename}"')
    lines.append(f"Content-Transfer-Encoding: {cte}")
    lines.extend(headers)
    body = _b64(data) if cte == "base64" else data
    return _lines(lines, body)


def text_part(text: str, subtype: str = "plain") -> bytes:
    return part(text.encode(), f"text/{subtype}; charset=utf-8", cte="8bit")


def multipart(
    parts: list[bytes], subtype: str = "mixed", boundary: str = "=_limite_1"
) -> tuple[str, bytes]:
    body = b""
    for entity in parts:
        body += b"--" + boundary.encode() + CRLF + entity + CRLF
    body += b"--" + boundary.encode() + b"--" + CRLF
    return f'Content-Type: multipart/{subtype}; boundary="{boundary}"', body


def mail(subject: str, parts: list[bytes], subtype: str = "mixed", *extra: str) -> bytes:
    ctype, body = multipart(parts, subtype)
    return _lines(_head(subject, ctype, *extra), body)


def with_attachment(
    subject: str, data: bytes, filename: str, ctype: str = "application/octet-stream"
) -> bytes:
    return mail(subject, [text_part("Adjunto el archivo."), part(data, ctype, filename=filename)])


# --- techniques ----------------------------------------------------------------------


def rfc822_base64() -> bytes:
    inner = with_attachment("interno", blobs.pe_exe(), "setup.exe")
    wrapper = part(inner, "message/rfc822", filename="reenviado.eml")
    return mail("rfc822 en base64", [text_part("Reenvío."), wrapper])


def broken_boundary() -> bytes:
    _, body = multipart(
        [text_part("Hola"), part(blobs.pe_exe(), filename="pago.exe")], boundary="real"
    )
    return _lines(
        _head("frontera rota", 'Content-Type: multipart/mixed; boundary="declarada"'), body
    )


def missing_boundary() -> bytes:
    _, body = multipart(
        [text_part("Hola"), part(blobs.pe_exe(), filename="pago.exe")], boundary="oculta"
    )
    return _lines(_head("sin frontera", "Content-Type: multipart/mixed"), body)


def duplicate_boundary() -> bytes:
    _, first = multipart([text_part("Primera lectura")], boundary="uno")
    _, second = multipart([part(blobs.pe_exe(), filename="pago.exe")], boundary="dos")
    ctype = 'Content-Type: multipart/mixed; boundary="uno"; boundary="dos"'
    return _lines(_head("frontera duplicada", ctype), first + second)


def unterminated_multipart() -> bytes:
    ctype, body = multipart([text_part("Hola"), part(blobs.pe_exe(), filename="pago.exe")])
    body = body[: body.rindex(b"--=_limite_1--")]
    return _lines(_head("multipart sin cierre", ctype), body)


def uuencoded() -> bytes:
    import binascii

    data = blobs.pe_exe()
    lines = [binascii.b2a_uu(data[i : i + 45]) for i in range(0, len(data), 45)]
    body = (
        b"Va el programa:\r\n\r\nbegin 644 programa.exe\r\n"
        + b"".join(line.replace(b"\n", b"\r\n") for line in lines)
        + b"`\r\nend\r\n"
    )
    return _lines(_head("uuencode", "Content-Type: text/plain; charset=us-ascii"), body)


def tnef_exe() -> bytes:
    data = blobs.tnef({"FACTURA.EXE": blobs.pe_exe()})
    return with_attachment("winmail", data, "winmail.dat", "application/ms-tnef")


def rfc2231_name() -> bytes:
    entity = _lines(
        [
            "Content-Type: application/octet-stream",
            "Content-Disposition: attachment;",
            " filename*0*=utf-8''Factura%20%C3%BAnica;",
            " filename*1*=.pdf.exe",
            "Content-Transfer-Encoding: base64",
        ],
        _b64(blobs.pe_exe()),
    )
    return mail("rfc2231", [text_part("Factura"), entity])


def rfc2047_name() -> bytes:
    name = "=?UTF-8?B?" + base64.b64encode("Presentación.exe".encode()).decode() + "?="
    return mail("rfc2047", [text_part("Ver"), part(blobs.pe_exe(), filename=name)])


def raw_utf8_name() -> bytes:
    return with_attachment("utf8 crudo", blobs.pe_exe(), "Año_fiscal.exe")


def bare_lf() -> bytes:
    ctype, body = multipart([text_part("Hola"), part(blobs.pe_exe(), filename="nomina.exe")])
    return _lines(_head("solo LF", ctype), body).replace(b"\r\n", b"\n")


def junk_base64() -> bytes:
    encoded = base64.b64encode(blobs.pe_exe()).rstrip(b"=")
    junky = b"!!".join(encoded[i : i + 60] for i in range(0, len(encoded), 60))
    entity = _lines(
        [
            'Content-Type: application/octet-stream; name="x.exe"',
            "Content-Transfer-Encoding: base64",
        ],
        junky,
    )
    return mail("base64 con basura", [text_part("Ver"), entity])


def duplicate_cte() -> bytes:
    entity = _lines(
        [
            'Content-Type: application/octet-stream; name="datos.bin"',
            "Content-Transfer-Encoding: 8bit",
            "Content-Transfer-Encoding: base64",
        ],
        _b64(blobs.pe_exe()),
    )
    return mail("cte duplicado", [text_part("Ver"), entity])


def duplicate_filename() -> bytes:
    entity = _lines(
        [
            'Content-Type: application/pdf; name="informe.pdf"',
            'Content-Disposition: attachment; filename="informe.pdf"; filename="informe.js"',
            "Content-Transfer-Encoding: 8bit",
        ],
        b"WScript.CreateObject('WScript.Shell').Run('calc');\r\n",
    )
    return mail("nombre duplicado", [text_part("Ver"), entity])


def double_extension() -> bytes:
    return with_attachment("doble extension", blobs.pe_exe(), "recibo.pdf.exe")


def trailing_dot() -> bytes:
    return with_attachment("punto final", blobs.pe_exe(), "recibo.exe.")


def bidi_override() -> bytes:
    return with_attachment("bidi", blobs.pe_exe(), "recibo\u202egpj.exe")


def declared_mismatch() -> bytes:
    return with_attachment("tipo falso", blobs.pe_exe(), "foto.jpg", "image/jpeg")


def single(
    data: Callable[[], bytes], filename: str, ctype: str = "application/octet-stream"
) -> Callable[[], bytes]:
    return lambda: with_attachment(filename, data(), filename, ctype)


def script_js() -> bytes:
    return with_attachment(
        "script", b"var s = new ActiveXObject('WScript.Shell');\n", "pago.js", "text/plain"
    )


def pgp_mime() -> bytes:
    payload = blobs.pgp_armor(
        "MESSAGE", blobs.pgp_packet(1, bytes(40)) + blobs.pgp_packet(18, bytes(40))
    )
    parts = [
        part(b"Version: 1\r\n", "application/pgp-encrypted", cte="7bit"),
        part(payload, "application/octet-stream", filename="encrypted.asc", cte="7bit"),
    ]
    ctype, body = multipart(parts, 'encrypted; protocol="application/pgp-encrypted"')
    return _lines(_head("pgp mime", ctype), body)


def pgp_inline() -> bytes:
    armored = blobs.pgp_armor(
        "MESSAGE", blobs.pgp_packet(1, bytes(40)) + blobs.pgp_packet(18, bytes(40))
    )
    return _lines(_head("pgp inline", "Content-Type: text/plain"), b"Hola\r\n\r\n" + armored)


def smime_enveloped(smime_type: bool = True) -> bytes:
    param = "; smime-type=enveloped-data" if smime_type else ""
    lines = _head(
        "smime",
        f'Content-Type: application/pkcs7-mime{param}; name="smime.p7m"',
        'Content-Disposition: attachment; filename="smime.p7m"',
        "Content-Transfer-Encoding: base64",
    )
    return _lines(lines, _b64(blobs.cms("enveloped")))


# --- benign look-alikes --------------------------------------------------------------


def plain_text() -> bytes:
    body = "Buenos días:\r\n\r\nbegin the meeting at 10.\r\nSaludos\r\n".encode()
    return _lines(
        _head(
            "texto", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit"
        ),
        body,
    )


def inline_logo() -> bytes:
    html = '<html><body><p>Saludos</p><img src="cid:logo@x"></body></html>'
    logo = part(
        blobs.png(),
        "image/png",
        headers=("Content-ID: <logo@x>", 'Content-Disposition: inline; filename="logo.png"'),
    )
    related = multipart([text_part(html, "html"), logo], "related", "=_rel")
    return mail(
        "firma con logo", [text_part("Saludos"), _lines([related[0]], related[1])], "alternative"
    )


def smime_signed() -> bytes:
    signed_body = text_part("Oficio firmado.")
    signature = part(
        blobs.cms("signed"), 'application/pkcs7-signature; name="smime.p7s"', filename="smime.p7s"
    )
    ctype, body = multipart(
        [signed_body, signature],
        'signed; protocol="application/pkcs7-signature"; micalg=sha-256',
    )
    return _lines(_head("smime firmado", ctype), body)


def pgp_signed() -> bytes:
    signature = blobs.pgp_armor("SIGNATURE", blobs.pgp_packet(2, bytes(40)))
    ctype, body = multipart(
        [
            text_part("Mensaje firmado."),
            part(signature, "application/pgp-signature", filename="signature.asc", cte="7bit"),
        ],
        'signed; protocol="application/pgp-signature"; micalg=pgp-sha256',
    )
    return _lines(_head("pgp firmado", ctype), body)


def pgp_clearsigned() -> bytes:
    text = b"-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nHola\n" + blobs.pgp_armor(
        "SIGNATURE", blobs.pgp_packet(2, bytes(40))
    )
    return _lines(_head("pgp clearsign", "Content-Type: text/plain"), text)


def pgp_signed_only_armor() -> bytes:
    """`gpg --sign --armor`: a "PGP MESSAGE" block that is only signed, not encrypted."""
    armored = blobs.pgp_armor("MESSAGE", blobs.pgp_packet(8, b"\x01" + bytes(30)))
    return _lines(_head("pgp solo firmado", "Content-Type: text/plain"), armored)


def zip_of_documents() -> bytes:
    data = blobs.zip_of({"oficio.pdf": blobs.pdf(), "anexo.txt": "Anexo técnico".encode()})
    return with_attachment("zip de documentos", data, "expediente.zip", "application/zip")


def tar_gz_of_documents() -> bytes:
    data = blobs.gz(blobs.tar_of({"oficio.pdf": blobs.pdf(), "notas.txt": b"notas"}))
    return with_attachment("tar.gz de documentos", data, "expediente.tar.gz", "application/gzip")


def _member(name: str) -> dict[str, bytes]:
    return {name: blobs.pe_exe()}


CASES: tuple[Case, ...] = (
    Case("rfc822_base64", "message/rfc822 codificado en base64 con un .exe dentro", "executable", rfc822_base64),
    Case("broken_boundary", "frontera declarada distinta de la usada", "executable; malformed", broken_boundary),
    Case("missing_boundary", "multipart sin parámetro boundary", "executable; malformed", missing_boundary),
    Case("duplicate_boundary", "dos parámetros boundary; el segundo esconde un .exe", "executable", duplicate_boundary),
    Case("unterminated_multipart", "multipart sin delimitador de cierre", "executable", unterminated_multipart),
    Case("uuencode", "bloque uuencode en el cuerpo de texto", "executable", uuencoded),
    Case("tnef", "winmail.dat (TNEF) con un .exe", "executable", tnef_exe),
    Case("rfc2231_name", "nombre RFC 2231 con continuaciones y charset", "executable; double extension", rfc2231_name),
    Case("rfc2047_name", "nombre RFC 2047 dentro del parámetro", "executable", rfc2047_name),
    Case("raw_utf8_name", "nombre en UTF-8 crudo", "executable", raw_utf8_name),
    Case("bare_lf", "fin de línea LF sin CR", "executable", bare_lf),
    Case("junk_base64", "base64 con basura y sin relleno", "executable", junk_base64),
    Case("duplicate_cte", "Content-Transfer-Encoding duplicado (8bit y base64)", "executable", duplicate_cte),
    Case("duplicate_filename", "dos filename distintos (informe.pdf / informe.js)", "script", duplicate_filename),
    Case("double_extension", "doble extensión recibo.pdf.exe", "executable; double extension", double_extension),
    Case("trailing_dot", "punto final en el nombre", "executable; trailing dot", trailing_dot),
    Case("bidi_override", "U+202E en el nombre", "executable; bidi control", bidi_override),
    Case("declared_mismatch", "declarado image/jpeg, es PE", "executable; type mismatch", declared_mismatch),
    Case("pe_exe", "ejecutable PE", "executable", single(blobs.pe_exe, "programa.exe")),
    Case("elf", "ejecutable ELF sin extensión", "executable", single(blobs.elf_exe, "herramienta")),
    Case("lnk", "acceso directo .lnk", "script", single(blobs.lnk, "documento.lnk")),
    Case("script_js", "JavaScript declarado como texto", "script", script_js),
    Case("mp3", "audio MP3", "audio", single(blobs.mp3, "cancion.mp3", "audio/mpeg")),
    Case("mp4", "video MP4 con nombre .dat", "video", single(blobs.mp4, "video.dat")),
    Case("zip_exe", "zip con .exe", "executable in archive", single(lambda: blobs.zip_of(_member("a.exe")), "a.zip")),
    Case("7z_exe", "7z con .exe", "executable in archive", single(lambda: blobs.sevenzip(_member("a.exe")), "a.7z")),
    Case("rar_exe", "rar con .exe (almacenado)", "executable in archive", single(lambda: blobs.rar4(_member("a.exe")), "a.rar")),
    Case("tar_gz_exe", "tar.gz con .exe", "executable in archive", single(lambda: blobs.gz(blobs.tar_of(_member("a.exe"))), "a.tar.gz")),
    Case("tar_bz2_exe", "tar.bz2 con .exe", "executable in archive", single(lambda: blobs.bz2_of(blobs.tar_of(_member("a.exe"))), "a.tar.bz2")),
    Case("tar_xz_exe", "tar.xz con .exe", "executable in archive", single(lambda: blobs.xz_of(blobs.tar_of(_member("a.exe"))), "a.tar.xz")),
    Case("gzip_exe", "gzip de un .exe", "executable in archive", single(lambda: blobs.gz(blobs.pe_exe(), "a.exe"), "a.exe.gz")),
    Case("bz2_exe", "bzip2 de un .exe", "executable in archive", single(lambda: blobs.bz2_of(blobs.pe_exe()), "a.exe.bz2")),
    Case("xz_exe", "xz de un .exe", "executable in archive", single(lambda: blobs.xz_of(blobs.pe_exe()), "a.exe.xz")),
    Case("nested_zip_3", "zip dentro de zip dentro de zip con .exe", "executable in archive", single(lambda: blobs.nested_zip(3, blobs.pe_exe(), "a.exe"), "n.zip")),
    Case("nested_zip_6", "seis niveles de zip", "limit: depth", single(lambda: blobs.nested_zip(6, b"hola", "a.txt"), "n.zip")),
    Case("zip_bomb", "bomba zip (50 MiB de ceros)", "limit: ratio", single(blobs.zip_bomb, "datos.zip")),
    Case("many_members", "zip con 10 000 miembros", "limit: members", single(lambda: blobs.many_members(10_000), "muchos.zip")),
    Case("zip_zipcrypto", "zip cifrado ZipCrypto", "encryption: zip_zipcrypto", single(lambda: blobs.zip_flagged("a.txt", b"x", aes=False), "c.zip")),
    Case("zip_aes", "zip cifrado AES", "encryption: zip_aes", single(lambda: blobs.zip_flagged("a.txt", b"x", aes=True), "c.zip")),
    Case("7z_encrypted", "7z con contraseña", "encryption: 7z", single(lambda: blobs.sevenzip({"a.txt": b"x"}, password="clave"), "c.7z")),
    Case("7z_headers", "7z con encabezados cifrados", "encryption: 7z_headers", single(lambda: blobs.sevenzip({"a.txt": b"x"}, password="clave", headers=True), "c.7z")),
    Case("rar_encrypted", "rar con miembro cifrado", "encryption: rar", single(lambda: blobs.rar4({"a.txt": b"x"}, encrypted=True), "c.rar")),
    Case("rar_headers", "rar 4 con encabezados cifrados", "encryption: rar_headers", single(lambda: blobs.rar4({}, headers=True), "c.rar")),
    Case("rar5_headers", "rar 5 con encabezados cifrados", "encryption: rar_headers", single(blobs.rar5_encrypted_headers, "c.rar")),
    Case("pdf_encrypted", "PDF cifrado", "encryption: pdf", single(lambda: blobs.pdf(encrypted=True), "c.pdf", "application/pdf")),
    Case("office_encrypted", "docx protegido con contraseña (CFB)", "encryption: office", single(blobs.encrypted_docx, "c.docx")),
    Case("doc_encrypted", "Word 97 con fEncrypted", "encryption: office", single(lambda: blobs.legacy_doc(encrypted=True), "c.doc", "application/msword")),
    Case("pgp_mime", "PGP/MIME (multipart/encrypted)", "encryption: pgp_mime", pgp_mime),
    Case("pgp_inline", "PGP en línea en el cuerpo", "encryption: pgp_inline", pgp_inline),
    Case("smime_enveloped", "S/MIME enveloped-data", "encryption: smime_enveloped", smime_enveloped),
    Case("smime_no_param", "S/MIME sin smime-type (se mira el contenido)", "encryption: smime_enveloped", lambda: smime_enveloped(False)),
    Case("benign_text", "texto con «begin» que no es uuencode", "clean", plain_text, benign=True),
    Case("benign_pdf", "PDF real", "clean (document)", single(blobs.pdf, "oficio.pdf", "application/pdf"), benign=True),
    Case("benign_docx", "docx real hecho con zipfile", "clean (document)", single(blobs.docx, "oficio.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"), benign=True),
    Case("benign_doc", "Word 97 sin cifrar", "clean (document)", single(blobs.legacy_doc, "oficio.doc", "application/msword"), benign=True),
    Case("benign_logo", "logo PNG en línea en una firma HTML", "clean (image)", inline_logo, benign=True),
    Case("benign_smime_signed", "S/MIME solo firmado", "clean; signed", smime_signed, benign=True),
    Case("benign_pgp_signed", "PGP/MIME solo firmado", "clean; signed", pgp_signed, benign=True),
    Case("benign_pgp_clearsigned", "PGP clearsign en línea", "clean; signed", pgp_clearsigned, benign=True),
    Case("benign_pgp_signed_armor", "PGP MESSAGE solo firmado (gpg --sign --armor)", "clean; signed", pgp_signed_only_armor, benign=True),
    Case("benign_zip_documents", "zip con PDF y texto", "clean (archive of documents)", zip_of_documents, benign=True),
    Case("benign_tar_gz_documents", "tar.gz con PDF y texto", "clean (archive of documents)", tar_gz_of_documents, benign=True),
)  # fmt: skip


def write_corpus(directory: Path) -> dict[str, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for case in CASES:
        path = directory / f"{case.name}.eml"
        path.write_bytes(case.build())
        written[case.name] = path
    return written


def readme_table() -> str:
    rows = ["| case | technique | expected | benign |", "|---|---|---|---|"]
    rows += [
        f"| `{c.name}` | {c.technique} | {c.expected} | {'yes' if c.benign else ''} |"
        for c in CASES
    ]
    return "\n".join(rows)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m tests.corpus.generate OUTPUT_DIR", file=sys.stderr)
        return 2
    for name, path in write_corpus(Path(argv[1])).items():
        print(f"{name}\t{path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
