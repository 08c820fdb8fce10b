"""Small pieces: true types, names, multipart splitting."""

from __future__ import annotations

import io
import zipfile
from concurrent.futures import ThreadPoolExecutor

import pytest

from aduana.inspect import Category, NameAnomaly, ProblemKind, classify_bytes, inspect_bytes
from aduana.inspect.mime import split_multipart
from aduana.inspect.names import name_anomalies
from tests.corpus import blobs
from tests.corpus.generate import with_attachment


@pytest.mark.parametrize(
    ("data", "category"),
    [
        (blobs.pe_exe(), Category.EXECUTABLE),
        (blobs.elf_exe(), Category.EXECUTABLE),
        (blobs.png(), Category.IMAGE),
        (blobs.mp3(), Category.AUDIO),
        (blobs.mp4(), Category.VIDEO),
        (blobs.pdf(), Category.DOCUMENT),
        (blobs.zip_of({"a.txt": b"a"}), Category.ARCHIVE),
        (blobs.gz(b"hola"), Category.ARCHIVE),
        (b"#!/bin/sh\necho hola\n", Category.SCRIPT),
        (b"import os\nimport sys\n\ndef main():\n    pass\n", Category.SCRIPT),
        (b"#!/usr/bin/env node\nconsole.log(1)\n", Category.SCRIPT),
        (b"@echo off\r\necho hola\r\n", Category.SCRIPT),
        ("Oficio número 5\n".encode(), Category.TEXT),
    ],
)
def test_classifies_blobs_by_content(data: bytes, category: Category) -> None:
    assert classify_bytes(data)[1] is category


def test_threads_find_true_types_at_once_each_with_its_own_answer() -> None:
    """libmagic handles are borrowed per call, so concurrent callers never mix results."""
    blobs_by_category = {
        Category.EXECUTABLE: blobs.pe_exe(),
        Category.DOCUMENT: blobs.pdf(),
        Category.SCRIPT: b"#!/bin/sh\necho hola\n",
        Category.TEXT: "Oficio número 5\n".encode() * 200,
    }
    work = list(blobs_by_category.items()) * 50
    with ThreadPoolExecutor(8) as pool:
        found = list(pool.map(lambda item: classify_bytes(item[1])[1], work))
    assert found == [category for category, _ in work]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("recibo.pdf.exe", {NameAnomaly.DOUBLE_EXTENSION}),
        ("foto.jpg   .scr", {NameAnomaly.DOUBLE_EXTENSION}),
        ("recibo.exe.", {NameAnomaly.TRAILING_DOT_OR_SPACE}),
        ("recibo.exe ", {NameAnomaly.TRAILING_DOT_OR_SPACE}),
        ("recibo\u202egpj.exe", {NameAnomaly.BIDI_CONTROL}),
        ("respaldo.tar.gz", set()),
        ("oficio.v2.pdf", set()),
        ("Año fiscal 2024.xlsx", set()),
    ],
)
def test_name_anomalies(name: str, expected: set[NameAnomaly]) -> None:
    assert name_anomalies(name) == expected


def test_parts_after_the_close_delimiter_are_still_seen() -> None:
    body = b"--b\r\n\r\nuno\r\n--b--\r\n--b\r\n\r\ndos\r\n--b--\r\n"
    split = split_multipart(body, "b")
    assert split is not None
    assert split.parts == (b"\r\nuno", b"\r\ndos")
    assert split.parts_after_end


def test_lenient_delimiters_are_judged_as_a_second_reading() -> None:
    message = (
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nhola\r\n"
        b"--b trailing junk\r\nContent-Type: application/octet-stream\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + blobs_b64_exe() + b"\r\n--b--\r\n"
    )
    result = inspect_bytes(message)
    assert ProblemKind.LENIENT_BOUNDARY in {p.kind for p in result.problems}
    assert Category.EXECUTABLE in {p.category for p in result.parts}


@pytest.mark.parametrize(
    "body",
    [
        b"--b\r\nContent-Type: text/plain\r\n\r\nhola\r\n--b\r\n\r\nadios\r\n--b--\r\n",
        b"--b\r\n--b\r\n\r\nhola\r\n--b--\r\n",  # an empty part between delimiters
        b"--b\r\n\r\nhola\r\n--b--",  # no line break at the end
    ],
    ids=["two-parts", "empty-part", "no-final-line-break"],
)
def test_well_formed_multipart_has_no_lenient_second_reading(body: bytes) -> None:
    message = b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n' + body
    result = inspect_bytes(message)
    assert ProblemKind.LENIENT_BOUNDARY not in {p.kind for p in result.problems}
    assert all("lenient" not in p.variant for p in result.parts)


def blobs_b64_exe() -> bytes:
    import base64

    return base64.encodebytes(blobs.pe_exe()).replace(b"\n", b"\r\n")


def test_message_without_headers_is_malformed() -> None:
    result = inspect_bytes(b"\x00\x01 not a mail at all")
    assert result.malformed


def test_duplicate_content_type_is_judged_under_each_reading() -> None:
    message = (
        b"Content-Type: text/plain\r\nContent-Type: application/octet-stream\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + blobs_b64_exe()
    )
    result = inspect_bytes(message)
    assert ProblemKind.DUPLICATE_CONTENT_TYPE in {p.kind for p in result.problems}
    assert len({p.variant for p in result.parts}) == 2


def test_zip_member_without_a_name_is_inspected() -> None:
    """ZipInfo.is_dir() raises on an empty name; found by the archive property test."""
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        archive.writestr(zipfile.ZipInfo(""), blobs.pe_exe())
    inspection = inspect_bytes(with_attachment("sin nombre", packed.getvalue(), "a.zip"))
    assert [(p.path, p.category) for p in inspection.parts][1:] == [
        ("2", Category.ARCHIVE),
        ("2!1", Category.EXECUTABLE),
    ]
