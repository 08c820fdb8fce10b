"""Containers read through libarchive and inflate64, under the same budget as zip;
two readings of a zip; RFC 822 comments in headers; BinHex; text in archives."""

from __future__ import annotations

import pytest

from aduana.content.message_text import text_of
from aduana.inspect import (
    Category,
    InspectionLimits,
    LimitKind,
    ProblemKind,
    Source,
    inspect_bytes,
)
from aduana.inspect.binhex import BinHexError, decode_binhex
from aduana.inspect.mime import parse_entity, strip_comments
from tests.corpus import blobs, containers, rar
from tests.corpus.generate import with_attachment

PE = blobs.pe_exe()


def _executables(raw: bytes, limits: InspectionLimits | None = None) -> list[tuple[str, str]]:
    result = inspect_bytes(raw, limits)
    return [
        (
            " / ".join(
                (
                    *(x if isinstance(x, str) else f"parte {x.path}" for x in p.archive_chain),
                    p.filenames[0] if p.filenames else f"parte {p.path}",
                )
            ),
            p.variant,
        )
        for p in result.parts
        if p.category is Category.EXECUTABLE
    ]


@pytest.mark.parametrize(
    ("build", "filename"),
    [
        (lambda: rar.rar5({"factura.pdf": PE}), "f.rar"),
        (lambda: rar.rar4({"factura.pdf": PE}), "f.rar"),
        (lambda: containers.bsdtar("iso9660", {"factura.pdf": PE}), "f.iso"),
        (lambda: containers.cab({"factura.pdf": PE}), "f.cab"),
        (lambda: containers.bsdtar("newc", {"factura.pdf": PE}), "f.cpio"),
        (lambda: containers.bsdtar("xar", {"factura.pdf": PE}), "f.xar"),
        (lambda: containers.bsdtar("7zip", {"factura.pdf": PE}), "f.7z"),
        (lambda: containers.zip_deflate64({"factura.pdf": PE}), "f.zip"),
    ],
    ids=["rar5", "rar4", "iso9660", "cab", "cpio-newc", "xar", "7z-by-bsdtar", "deflate64"],
)
def test_renamed_executable_is_found_inside_each_container(build: object, filename: str) -> None:
    assert callable(build)
    found = _executables(with_attachment("x", build(), filename))
    assert found == [(f"{filename} / factura.pdf", "")]


def test_compressed_rar_inside_a_zip_is_opened_too() -> None:
    inner = rar.rar5({"factura.pdf": PE})
    raw = with_attachment("x", blobs.zip_of({"anexo.rar": inner}), "anexos.zip")
    assert _executables(raw) == [("anexos.zip / anexo.rar / factura.pdf", "")]


def test_libarchive_formats_count_against_the_message_member_budget() -> None:
    archive = containers.bsdtar("newc", {f"f{i}.txt": b"x" for i in range(12)})
    result = inspect_bytes(with_attachment("x", archive, "a.cpio"), InspectionLimits(max_members=5))
    assert [hit.kind for hit in result.limit_hits] == [LimitKind.MEMBERS]


def test_a_compression_bomb_in_a_libarchive_stream_hits_the_ratio_limit() -> None:
    bomb = containers.bsdtar("raw", {"ceros": bytes(8 * 1024 * 1024)}, "--zstd")
    result = inspect_bytes(with_attachment("x", bomb, "ceros.zst"), InspectionLimits())
    assert LimitKind.RATIO in {hit.kind for hit in result.limit_hits}


def test_a_damaged_rar_is_uninspectable_not_clean() -> None:
    raw = with_attachment("x", rar.rar5({"factura.pdf": PE})[:200], "f.rar")
    result = inspect_bytes(raw)
    assert [p.kind for p in result.uninspectable] == [ProblemKind.UNREADABLE_ARCHIVE]


def test_zip_whose_local_header_names_another_file_is_judged_under_both_readings() -> None:
    archive = containers.zip_names_disagree("leeme.txt", "leeme.exe", PE)
    result = inspect_bytes(with_attachment("x", archive, "docs.zip"))
    assert ProblemKind.ZIP_HEADERS_DISAGREE in {p.kind for p in result.problems}
    members = {(p.filenames, p.variant) for p in result.parts if p.source is Source.ARCHIVE_MEMBER}
    assert members == {(("leeme.txt",), ""), (("leeme.exe",), "zip-local-headers")}
    assert _executables(with_attachment("x", archive, "docs.zip")) == [
        ("docs.zip / leeme.exe", "zip-local-headers")
    ]


def test_member_hidden_from_the_central_directory_is_found_by_the_local_headers() -> None:
    archive = containers.zip_with_hidden_member({"foto.png": blobs.png()}, {"a.pdf": PE})
    assert _executables(with_attachment("x", archive, "fotos.zip")) == [
        ("fotos.zip / a.pdf", "zip-local-headers")
    ]


def test_an_ordinary_zip_is_read_once() -> None:
    archive = blobs.zip_of({"a.txt": b"a", "b.zip": blobs.zip_of({"c.txt": b"c"})})
    result = inspect_bytes(with_attachment("x", archive, "a.zip"))
    assert {p.variant for p in result.parts} == {""}
    assert not result.problems


@pytest.mark.parametrize(
    ("value", "stripped"),
    [
        ("()multipart/mixed", "multipart/mixed"),
        ("multipart/(x)mixed; boundary=b", "multipart/mixed; boundary=b"),
        ('text/plain; name="a(b).txt" (c)', 'text/plain; name="a(b).txt"'),
        ("base64 (nested (comment) here)", "base64"),
        (r"base64 (escaped \) paren)", "base64"),
        ("text/plain (never closed", "text/plain"),
        ("text/plain", "text/plain"),
    ],
)
def test_comments_are_removed_outside_quoted_strings(value: str, stripped: str) -> None:
    assert strip_comments(value) == stripped


def test_a_field_name_with_a_comment_is_read_as_that_field() -> None:
    entity = parse_entity(b"Content-Type(x): text/html\r\nContent-Type (y) : image/png\r\n\r\nb")
    assert entity.values("Content-Type") == ["text/html", "image/png"]
    assert entity.header_comments


def test_a_commented_value_is_read_both_with_and_without_the_comment() -> None:
    entity = parse_entity(b"Content-Type: ()multipart/mixed; boundary=b\r\n\r\n")
    assert [c.mime for c in entity.content_types()] == ["multipart/mixed", "()multipart/mixed"]


def test_binhex_decodes_name_and_data_fork_with_runs() -> None:
    data = PE + b"\x90" + b"A" * 300
    found = decode_binhex(containers.binhex("factura.pdf", data), 1 << 20)
    assert (found.name, found.data_fork, found.resource_fork) == ("factura.pdf", data, b"")


def test_binhex_output_stops_at_the_cap() -> None:
    found = decode_binhex(containers.binhex("grande.bin", b"A" * 5000), 100)
    assert len(found.data_fork) <= 100


def test_damaged_binhex_raises_for_the_caller_to_report() -> None:
    with pytest.raises(BinHexError):
        decode_binhex(b"(This file must be converted with BinHex 4.0)\r\n:!!!!!!!!!!{{{:", 100)


def test_a_mail_that_only_quotes_the_binhex_marker_is_clean() -> None:
    quoted = "Ese archivo dice (This file must be converted with BinHex 4.0) y nada más."
    result = inspect_bytes(with_attachment("x", quoted.encode(), "nota.txt", "text/plain"))
    assert not result.problems


def test_text_of_members_feeds_the_attachment_text() -> None:
    archive = rar.rar5({"informe.txt": b"RESERVADO: informe", "foto.png": blobs.png()})
    text = text_of(with_attachment("x", archive, "informe.rar"))
    assert text.attachments == "RESERVADO: informe"


def test_text_in_archives_stays_within_the_member_budget() -> None:
    archive = blobs.zip_of({"a.txt": b"uno", "b.txt": b"dos", "c.txt": b"tres"})
    text = text_of(with_attachment("x", archive, "a.zip"), limits=InspectionLimits(max_members=2))
    assert text.attachments == "uno\ndos"


def test_a_docx_is_read_as_a_document_not_walked_as_a_zip() -> None:
    text = text_of(with_attachment("x", blobs.docx(), "oficio.docx"))
    assert "<" not in text.attachments
    assert text.attachments.strip()


def test_zip_cut_before_its_central_directory_is_read_through_its_local_headers() -> None:
    """What the local headers show is judged; the cut archive is still unreadable."""
    archive = blobs.zip_of({"factura.pdf": PE})
    cut = archive[: archive.find(b"PK\x01\x02")]
    result = inspect_bytes(with_attachment("x", cut, "f.zip"))
    assert [p.kind for p in result.uninspectable] == [ProblemKind.UNREADABLE_ARCHIVE]
    assert _executables(with_attachment("x", cut, "f.zip")) == [
        ("f.zip / factura.pdf", "zip-local-headers")
    ]
