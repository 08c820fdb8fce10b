"""PDFs that hide what they carry from a byte search: object streams, #xx-escaped
names, cross-reference streams, damage. The cheap pass over a PDF's bytes must send
each of them to the full reading, so the inspection finds what a reader would run."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given

from aduana.inspect import ActiveKind, Category, EncryptionKind, Source, inspect_bytes, pdf
from tests.corpus import active_blobs as ab
from tests.corpus import blobs
from tests.corpus.generate import single
from tests.unit.inspect.test_active_properties import damaged
from tests.unit.inspect.test_properties import PROFILE


@pytest.mark.parametrize(
    "build",
    [
        ab.pdf_packed_javascript,
        lambda: ab.pdf_packed_javascript(escaped=True),
        # A filter chain the byte pass does not decode: pypdf reads the stream.
        lambda: ab.pdf_packed_javascript(stream_filter=b"/Filter [/ASCIIHexDecode /FlateDecode]"),
        ab.pdf_packed_javascript_behind_predictor,
    ],
    ids=[
        "object-stream",
        "object-stream-escaped-names",
        "object-stream-filter-chain",
        "object-stream-png-predictor",
    ],
)
def test_javascript_inside_an_object_stream_is_found(build: Callable[[], bytes]) -> None:
    data = build()
    assert b"JavaScript" not in data
    assert b"/JS" not in data
    inspection = inspect_bytes(single(build, "oficio.pdf", "application/pdf")())
    assert [f.kind for f in inspection.active] == [ActiveKind.PDF_JAVASCRIPT]


@pytest.mark.parametrize(
    "value",
    [
        b"<2F4A617661536372697074>",
        b"<2F 4a 53>",
        b"(\\057Java\\\nScript)",
        b"<FEFF002F004A006100760061005300630072006900700074>",
        b"% a comment first\n(\\/JS)",
    ],
    ids=["hex", "hex-spaced-js", "octal-and-continuation", "utf-16", "after-a-comment"],
)
def test_javascript_action_whose_type_is_a_string_is_found(value: bytes) -> None:
    data = ab.pdf_javascript_action_named_by_a_string(value)
    assert b"JavaScript" not in data

    def build() -> bytes:
        return data

    inspection = inspect_bytes(single(build, "oficio.pdf", "application/pdf")())
    assert [f.kind for f in inspection.active] == [ActiveKind.PDF_JAVASCRIPT]


def test_file_attached_to_an_annotation_in_an_object_stream_is_walked() -> None:
    build = lambda: ab.pdf_packed_annotation_attachment("pago.exe", blobs.pe_exe())  # noqa: E731
    inspection = inspect_bytes(single(build, "oficio.pdf", "application/pdf")())
    [embedded] = [p for p in inspection.parts if p.source is Source.EMBEDDED]
    assert embedded.filenames == ("pago.exe",)
    assert embedded.category is Category.EXECUTABLE


@pytest.mark.parametrize("escaped", [False, True], ids=["plain-key", "escaped-key"])
def test_encryption_declared_in_a_cross_reference_stream_is_found(escaped: bool) -> None:
    inspection = inspect_bytes(
        single(lambda: ab.pdf_encrypted_xref_stream(escaped=escaped), "c.pdf", "application/pdf")()
    )
    assert [f.kind for f in inspection.encryption] == [EncryptionKind.PDF]


def test_plain_pdf_with_object_streams_has_no_finding() -> None:
    inspection = inspect_bytes(single(ab.pdf_packed_plain, "oficio.pdf", "application/pdf")())
    assert inspection.active == ()
    assert inspection.encryption == ()


def test_pdf_no_reader_can_open_is_unchecked_not_passed() -> None:
    inspection = inspect_bytes(single(ab.pdf_damaged, "oficio.pdf", "application/pdf")())
    assert [f.kind for f in inspection.active] == [ActiveKind.UNCHECKED]


_SEEDS = [
    ab.pdf_with_javascript(),
    ab.pdf_with_escaped_open_action(),
    ab.pdf_with_attachment("a.exe", blobs.pe_exe()),
    ab.pdf_with_annotation_attachment("b.exe", blobs.pe_exe()),
    ab.pdf_packed_javascript(),
    ab.pdf_packed_javascript(escaped=True),
    ab.pdf_packed_annotation_attachment("c.exe", blobs.pe_exe()),
    ab.pdf_javascript_action_named_by_a_string(),
]


def _outcome(scan: Callable[[], pdf.PdfScan]) -> tuple[bool, list[str]] | str:
    """What a scan finds; pypdf's own assertions (an object stream without its /Type)
    escape it, and the part boundary makes the part uninspectable."""
    try:
        found = scan()
    except AssertionError:
        return "raised"
    return found.javascript, [f.name for f in found.files]


@PROFILE
@given(damaged(_SEEDS))
def test_a_pdf_the_byte_pass_clears_holds_nothing_the_full_walk_finds(data: bytes) -> None:
    """Damaged copies of PDFs with scripts and files: the cheap pass finds the same
    scripts and files as pypdf's walk of every object (only where the walk calls a
    file unreadable that PDFium opens and that names nothing, the pass clears it)."""
    reading = pdf.read_pdf(data)
    if reading.encrypted:
        return
    assert _outcome(reading.scan) == _outcome(lambda: pdf._full_scan(data))
