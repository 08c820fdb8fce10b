"""The benchmark's message mixes, built once and rendered per send.

Every message is a real MIME message from a valid account of the shipped
directory, so aduana inspects and accepts it with the full policy; the refused
kinds are refused by policy, not by accident. Bodies come from a small pool of
variants per kind (building a 10 MB zip per send would dominate the client);
each rendering still gets its own Message-ID and Subject.
"""

from __future__ import annotations

import base64
import io
import random
import re
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from tests.corpus import blobs

SENDER = "director.prueba@sre.gob.mx"  # Director General: size cap 10 MiB (SRE 7.b)
SUSPENDED = "suspendido.prueba@sre.gob.mx"
RECIPIENT_DOMAIN = "example.org"  # outbound: every SRE rule family applies, DLP included
CRLF = b"\r\n"

KB = 1000
MB = 1000 * 1000

# Neutral administrative Spanish: no lexicon entry, no classification marking,
# no personal data, so a clean message collects no reason at all.
_VOCABULARY = (
    "oficio reunión agenda informe trimestral dirección general unidad consular "
    "seguimiento acuerdo calendario programa anual presupuesto revisión documento "
    "anexo sesión comité planeación coordinación archivo expediente propuesta "
    "respuesta solicitud atención asunto viaje delegación embajada consulado "
    "protocolo minuta lista asistentes lunes martes miércoles jueves viernes "
    "mañana tarde sala piso edificio avenida oficina área titular equipo trabajo"
)


class Kind(StrEnum):
    TEXT_4K = "text_4k"
    PDF_1M = "pdf_1m"
    ZIP_10M = "zip_10m"
    EXE_REFUSED = "exe_refused"
    SUSPENDED_REFUSED = "suspended_refused"


@dataclass(frozen=True)
class Template:
    """One message body variant. ``render`` adds the per-send header and first line.

    ``body`` is already in SMTP DATA form: CRLF line ends and dot-stuffed.
    """

    kind: Kind
    sender: str
    body: bytes
    subject: str
    refused: bool = False

    def render(self, number: int, recipient: str) -> bytes:
        head = (
            f"From: Remitente <{self.sender}>\r\n"
            f"To: <{recipient}>\r\n"
            f"Subject: {self.subject} {number}\r\n"
            "Date: Mon, 16 Nov 2026 10:00:00 -0600\r\n"
            f"Message-ID: <bench-{self.kind}-{number}@sre.gob.mx>\r\n"
            "MIME-Version: 1.0\r\n"
        )
        return head.encode() + self.body

    @property
    def size(self) -> int:
        return len(self.render(0, f"destino@{RECIPIENT_DOMAIN}"))


@dataclass(frozen=True)
class Mix:
    """A named sequence of templates: send i uses ``templates[i % len]``."""

    name: str
    description: str
    templates: tuple[Template, ...]

    def template(self, index: int) -> Template:
        return self.templates[index % len(self.templates)]

    @property
    def refused_share(self) -> float:
        return sum(t.refused for t in self.templates) / len(self.templates)


def words(rng: random.Random, size: int, width: int = 72) -> str:
    """About ``size`` characters of neutral prose, wrapped at ``width``."""
    vocabulary = _VOCABULARY.split()
    lines: list[str] = []
    line: list[str] = []
    total = 0
    while total < size:
        word = rng.choice(vocabulary)
        if sum(len(w) + 1 for w in line) + len(word) > width:
            lines.append(" ".join(line).capitalize() + ".")
            total += len(lines[-1]) + 2
            line = []
        line.append(word)
    return "\r\n".join(lines) + "\r\n"


def dot_stuff(data: bytes) -> bytes:
    """SMTP transparency (RFC 5321 4.5.2) for data that starts at a line start."""
    return re.sub(rb"(?m)^\.", b"..", data)


def _b64_lines(data: bytes) -> bytes:
    return base64.encodebytes(data).replace(b"\n", CRLF)


def _multipart(parts: Sequence[bytes], boundary: str = "=_bench_1") -> bytes:
    out = f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n'.encode()
    for entity in parts:
        out += b"--" + boundary.encode() + CRLF + entity + CRLF
    return out + b"--" + boundary.encode() + b"--" + CRLF


def _text_entity(text: str) -> bytes:
    return (
        b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        + text.encode()
    )


def _attachment(data: bytes, ctype: str, filename: str) -> bytes:
    head = (
        f'Content-Type: {ctype}; name="{filename}"\r\n'
        f'Content-Disposition: attachment; filename="{filename}"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n"
    )
    return head.encode() + _b64_lines(data)


def pdf_document(rng: random.Random, size: int, pages: int = 6) -> bytes:
    """A real PDF of about ``size`` bytes: ``pages`` pages with a compressed text layer
    (what `aduana` extracts) and one scanned-image XObject of noise filling the rest,
    as a scanned oficio with an OCR layer would be."""
    contents = []
    for page in range(pages):
        lines = words(rng, 2500).split("\r\n")
        ops = ["q 100 0 0 100 400 40 cm /Im1 Do Q"] if page == 0 else []
        ops += ["BT", "/F1 10 Tf", "12 TL", "40 760 Td"]
        ops += [f"({line}) '" for line in lines if line]
        ops.append("ET")
        contents.append(zlib.compress("\n".join(ops).encode("latin-1", "replace")))
    fixed = sum(len(c) for c in contents) + 600 * pages + 1200
    side = max(int(max(size - fixed, 0) ** 0.5), 1)
    image = rng.randbytes(side * side)

    # Objects: 1 catalog, 2 pages, 3 font, 4 image, then page/content pairs.
    page_ids = [5 + 2 * i for i in range(pages)]
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>"
        % (b" ".join(b"%d 0 R" % p for p in page_ids), pages),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Length %d >>\nstream\n"
        % (side, side, len(image))
        + image
        + b"\nendstream",
    ]
    for index, content in enumerate(contents):
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R >> /XObject << /Im1 4 0 R >> >> "
            b"/Contents %d 0 R >>" % (page_ids[index] + 1)
        )
        objects.append(
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content)
            + content
            + b"\nendstream"
        )
    # The binary comment line tells tools the file holds 8-bit data, as real PDFs do.
    return blobs.pdf_file(objects, header=b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")


def zip_of_documents(rng: random.Random, size: int) -> bytes:
    """A zip of about ``size`` bytes: four scanned PDFs, a docx and notes, deflated."""
    pdf_size = (size - 20 * KB) // 4
    members = {f"oficio-{i + 1}.pdf": pdf_document(rng, pdf_size) for i in range(4)}
    members["anexo.docx"] = blobs.docx()
    members["notas.txt"] = words(rng, 8 * KB).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def _body(rng: random.Random, text_size: int, attachments: Sequence[bytes] = ()) -> bytes:
    text = _text_entity(words(rng, text_size))
    return dot_stuff(_multipart([text, *attachments]) if attachments else text)


# Base64 grows data by 4/3 plus CRLF every 76 characters.
def _decoded_for(encoded: int) -> int:
    return int(encoded * 57 / 78)


def text_4k(rng: random.Random) -> Template:
    return Template(Kind.TEXT_4K, SENDER, _body(rng, 4 * KB - 400), "Informe")


def pdf_1m(rng: random.Random) -> Template:
    pdf = pdf_document(rng, _decoded_for(1 * MB - 3 * KB))
    body = _body(rng, 1500, [_attachment(pdf, "application/pdf", "oficio.pdf")])
    return Template(Kind.PDF_1M, SENDER, body, "Oficio")


def zip_10m(rng: random.Random) -> Template:
    data = zip_of_documents(rng, _decoded_for(10 * MB - 3 * KB))
    body = _body(rng, 1500, [_attachment(data, "application/zip", "expediente.zip")])
    return Template(Kind.ZIP_10M, SENDER, body, "Expediente")


def exe_refused(rng: random.Random) -> Template:
    """Refused at end of message: an executable (SRE 9.e)."""
    exe = _attachment(blobs.pe_exe(), "application/octet-stream", "programa.exe")
    return Template(Kind.EXE_REFUSED, SENDER, _body(rng, 3 * KB, [exe]), "Programa", refused=True)


def suspended_refused(rng: random.Random) -> Template:
    """Refused at MAIL FROM: a suspended account (SRE 18)."""
    body = _body(rng, 4 * KB - 400)
    return Template(Kind.SUSPENDED_REFUSED, SUSPENDED, body, "Informe", refused=True)


MIX_NAMES = ("4k", "1m", "10m", "mixed")


def build_mix(name: str, seed: int = 7) -> Mix:
    rng = random.Random(seed)
    if name == "4k":
        return Mix(name, "4 KB text", tuple(text_4k(rng) for _ in range(32)))
    if name == "1m":
        return Mix(name, "1 MB, PDF attachment", tuple(pdf_1m(rng) for _ in range(8)))
    if name == "10m":
        return Mix(name, "10 MB, zip of documents", tuple(zip_10m(rng) for _ in range(3)))
    if name == "mixed":
        # 40 sends: 38 clean 4 KB texts, one .exe, one suspended sender = 5% refused.
        clean = [text_4k(rng) for _ in range(38)]
        templates = [*clean[:19], exe_refused(rng), *clean[19:], suspended_refused(rng)]
        return Mix(name, "4 KB text, 5% refused by policy", tuple(templates))
    raise ValueError(f"unknown mix {name!r}; choose from {', '.join(MIX_NAMES)}")


def recipient_for(tag: str) -> str:
    """The envelope recipient of a run: the sink counts deliveries by ``tag``."""
    return f"bench.{tag}@{RECIPIENT_DOMAIN}"
