"""Bounded text extraction from bodies, subjects and attachments."""

from __future__ import annotations

import io
import os
import random
import time
import zipfile
from collections.abc import Iterator

import pytest

from aduana.content.extract import (
    ExtractedText,
    Limit,
    SourceKind,
    TextLimits,
    TextProblem,
    extract_subject,
    extract_text,
)
from tests.unit.content import builders

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
LIMITS = TextLimits()


def lines(result: ExtractedText) -> list[str]:
    return [line for line in result.text.splitlines() if line.strip()]


@pytest.mark.parametrize(
    ("content_type", "data", "source", "expected"),
    [
        (
            DOCX,
            builders.docx(["Oficio 123", "Atentamente"]),
            SourceKind.DOCX,
            ["Oficio 123", "Atentamente"],
        ),
        (
            XLSX,
            builders.xlsx(["Nombre", "RFC"]),
            SourceKind.XLSX,
            ["Nombre", "RFC", "celda en linea"],
        ),
        (PPTX, builders.pptx(["Uno", "Dos"]), SourceKind.PPTX, ["Uno", "Dos"]),
        (
            ODT,
            builders.odt(["Primer  párrafo", "Segundo"]),
            SourceKind.OPENDOCUMENT,
            ["Primer párrafo", "Segundo"],
        ),
        (
            "application/pdf",
            builders.pdf(["Hola PDF", "GODE561231GR8"]),
            SourceKind.PDF,
            ["Hola PDF", "GODE561231GR8"],
        ),
    ],
)
def test_extracts_text_from_attachments(
    content_type: str, data: bytes, source: SourceKind, expected: list[str]
) -> None:
    result = extract_text(content_type, data, LIMITS)
    assert (result.source, result.problem, result.truncated) == (source, None, False)
    assert lines(result) == expected


def test_docx_headers_are_extracted_because_markings_live_there() -> None:
    result = extract_text(DOCX, builders.docx(["Cuerpo"], header="RESERVADO"), LIMITS)
    assert lines(result) == ["Cuerpo", "RESERVADO"]


def test_pptx_slides_follow_their_numbers_not_archive_order() -> None:
    slides = [f"lámina {n}" for n in range(1, 12)]
    assert lines(extract_text(PPTX, builders.pptx(slides), LIMITS)) == slides


@pytest.mark.parametrize(
    ("data", "source"),
    [
        (builders.docx(["por tipo genérico"]), SourceKind.DOCX),
        (builders.xlsx(["por tipo genérico"]), SourceKind.XLSX),
        (builders.pptx(["por tipo genérico"]), SourceKind.PPTX),
        (builders.odt(["por tipo genérico"]), SourceKind.OPENDOCUMENT),
    ],
)
def test_recognises_office_documents_sent_as_zip_or_octet_stream(
    data: bytes, source: SourceKind
) -> None:
    for content_type in ("application/zip", "application/octet-stream"):
        result = extract_text(content_type, data, LIMITS)
        assert result.source is source
        assert "por tipo genérico" in result.text


def test_plain_text_uses_the_declared_charset() -> None:
    data = "Información reservada".encode("iso-8859-1")
    result = extract_text("text/plain; charset=iso-8859-1", data, LIMITS)
    assert result.text == "Información reservada"


def test_plain_text_without_charset_falls_back_from_utf8_to_windows_1252() -> None:
    assert extract_text("text/plain", "año".encode(), LIMITS).text == "año"
    assert extract_text("text/plain", "año".encode("cp1252"), LIMITS).text == "año"


def test_plain_text_with_an_unknown_charset_still_gives_text() -> None:
    assert extract_text("text/plain; charset=x-nonsense", b"hola", LIMITS).text == "hola"


def test_html_drops_markup_scripts_and_styles_and_keeps_blocks_as_lines() -> None:
    html = (
        "<html><head><style>p{color:red}</style><script>alert('x')</script></head>"
        "<body><p>Hola &amp; adi&oacute;s</p><div>RESERVADO</div><table><tr><td>a</td>"
        "<td>b</td></tr></table></body></html>"
    )
    result = extract_text("text/html; charset=utf-8", html.encode(), LIMITS)
    assert result.source is SourceKind.HTML
    assert lines(result) == ["Hola & adiós", "RESERVADO", "\ta\tb"]
    assert "alert" not in result.text
    assert "color" not in result.text


def test_html_charset_comes_from_meta_when_not_declared() -> None:
    html = '<meta charset="windows-1252"><p>Información</p>'.encode("cp1252")
    assert "Información" in extract_text("text/html", html, LIMITS).text


def test_subject_decodes_encoded_words() -> None:
    result = extract_subject("=?utf-8?q?Informaci=C3=B3n_RESERVADA?= urgente", LIMITS)
    assert (result.text, result.source) == ("Información RESERVADA urgente", SourceKind.SUBJECT)


def test_subject_with_a_broken_encoded_word_is_kept_as_written() -> None:
    assert extract_subject("=?x-nada?q?abc?=", LIMITS).text == "=?x-nada?q?abc?="


@pytest.mark.parametrize(
    ("content_type", "data"),
    [
        ("text/plain", b"x" * 500),
        ("text/html", b"<p>" + b"x" * 500 + b"</p>"),
        (DOCX, builders.docx(["x" * 500])),
        ("application/pdf", builders.pdf(["x" * 200, "y" * 200])),
    ],
)
def test_stops_at_max_chars(content_type: str, data: bytes) -> None:
    result = extract_text(content_type, data, TextLimits(max_chars=100))
    assert len(result.text) == 100
    assert (result.truncated, result.limit) == (True, Limit.CHARS)


def ticking_clock(step: float) -> Iterator[float]:
    now = 0.0
    while True:
        yield now
        now += step


def test_stops_when_the_time_budget_is_spent() -> None:
    data = builders.docx([f"párrafo {n}" for n in range(20_000)])
    clock = ticking_clock(1.0)
    result = extract_text(DOCX, data, TextLimits(max_seconds=3), clock=lambda: next(clock))
    assert (result.truncated, result.limit) == (True, Limit.TIME)
    assert result.text.startswith("párrafo 0")


def test_zip_bomb_member_is_read_only_up_to_the_member_cap() -> None:
    huge = b"<w:document xmlns:w='" + builders.W_NS.encode() + b"'><w:body>" + b" " * 50_000_000
    data = builders.zip_bytes({"word/document.xml": huge})
    assert len(data) < 200_000
    started = time.perf_counter()
    result = extract_text(DOCX, data, TextLimits(max_member_bytes=1_000_000))
    assert time.perf_counter() - started < 1.0
    assert (result.truncated, result.limit, result.problem) == (True, Limit.MEMBER_BYTES, None)


def test_total_cap_bounds_the_whole_archive() -> None:
    slides = ["x" * 5_000 for _ in range(20)]
    result = extract_text(PPTX, builders.pptx(slides), TextLimits(max_total_bytes=20_000))
    assert (result.truncated, result.limit) == (True, Limit.TOTAL_BYTES)
    assert 0 < len(result.text) < 20_000


def test_xml_with_a_doctype_is_refused_so_entity_expansion_cannot_happen() -> None:
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        f'<w:document xmlns:w="{builders.W_NS}"><w:body><w:p><w:r><w:t>&b;</w:t></w:r></w:p>'
        "</w:body></w:document>"
    )
    result = extract_text(DOCX, builders.zip_bytes({"word/document.xml": laughs}), LIMITS)
    assert (result.text, result.problem) == ("", TextProblem.MALFORMED)


@pytest.mark.parametrize(
    ("content_type", "data"),
    [
        (DOCX, b"PK\x03\x04 not really a zip"),
        (DOCX, builders.zip_bytes({"other.xml": "<a/>"})),
        (DOCX, builders.zip_bytes({"word/document.xml": "<w:document><unclosed>"})),
        ("application/pdf", b"%PDF-1.4\nthis is not a pdf"),
    ],
)
def test_malformed_documents_give_a_problem_not_an_exception(
    content_type: str, data: bytes
) -> None:
    assert extract_text(content_type, data, LIMITS).problem is TextProblem.MALFORMED


def test_encrypted_pdf_gives_no_text_and_no_exception() -> None:
    result = extract_text("application/pdf", builders.encrypted_pdf(["secreto"]), LIMITS)
    assert (result.text, result.problem) == ("", TextProblem.ENCRYPTED)


def test_pdf_with_an_empty_user_password_gives_its_text() -> None:
    """It is delivered as readable, so DLP must read it (a RESERVADO marking inside)."""
    data = builders.encrypted_pdf(["RESERVADO hasta 2030"], user_password="")
    result = extract_text("application/pdf", data, LIMITS)
    assert "RESERVADO" in result.text
    assert result.problem is None


def test_encrypted_zip_member_is_reported() -> None:
    data = bytearray(builders.docx(["x"]))
    # Set the "encrypted" flag in the local header and the central directory entry.
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        while at != -1:
            data[at + offset] |= 0x1
            at = data.find(signature, at + 1)
    assert extract_text(DOCX, bytes(data), LIMITS).problem is TextProblem.ENCRYPTED


def test_pdf_pages_beyond_the_cap_are_not_read() -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for _ in range(3):
        writer.append(PdfReader(io.BytesIO(builders.pdf(["una pagina"]))))
    buffer = io.BytesIO()
    writer.write(buffer)
    result = extract_text("application/pdf", buffer.getvalue(), TextLimits(max_pdf_pages=2))
    assert result.text.count("una pagina") == 2
    assert result.limit is Limit.PAGES


def test_unsupported_types_are_reported() -> None:
    result = extract_text("image/png", b"\x89PNG", LIMITS)
    assert (result.source, result.problem) == (SourceKind.UNSUPPORTED, TextProblem.UNSUPPORTED)
    result = extract_text("application/zip", builders.zip_bytes({"a.txt": "x"}), LIMITS)
    assert result.problem is TextProblem.UNSUPPORTED


@pytest.mark.skipif(not os.environ.get("ADUANA_BENCH"), reason="set ADUANA_BENCH=1 to measure")
def test_measure_one_megabyte_docx() -> None:
    rng = random.Random(1)
    words = ("el", "la", "de", "que", "y", "en", "los", "se", "del", "las", "un", "por", "con")
    paragraphs = [" ".join(rng.choice(words) for _ in range(60)) for _ in range(10_000)]
    data = builders.docx(paragraphs)
    paragraphs *= 1 + 1_000_000 // len(data)
    data = builders.docx(
        paragraphs[: len(paragraphs) * 1_000_000 // len(builders.docx(paragraphs))]
    )
    assert 950_000 < len(data) < 1_100_000
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml_bytes = sum(info.file_size for info in archive.infolist())
    for limits in (TextLimits(max_chars=10_000_000, max_seconds=30), LIMITS):
        started = time.perf_counter()
        result = extract_text(DOCX, data, limits)
        elapsed = time.perf_counter() - started
        print(
            f"docx {len(data)} B ({xml_bytes} B XML): {len(result.text)} chars in {elapsed:.3f} s"
        )
