"""Fuzzing the container readers and RFC 822 comments in headers.

Any damaged container (every format libarchive, zipfile, py7zr, inflate64 or the
BinHex decoder reads) and any header with comments must give facts, never an
exception: in the daemon an exception would answer 451 to a message that can never
pass. Containers that cannot be opened must be reported (uninspectable), and a
comment must never hide the executable the header points at.
"""

from __future__ import annotations

import contextlib
import email.policy
import io
import time

from hypothesis import given
from hypothesis import strategies as st

from aduana.content.archive_text import archive_text
from aduana.content.extract import TextLimits
from aduana.inspect import Category, InspectionLimits, inspect_bytes
from aduana.inspect.archives import ArchiveFormat, Member, detect_format, read_archive
from aduana.inspect.binhex import BinHexError, decode_binhex
from aduana.inspect.budget import Budget, MemberReader
from aduana.inspect.mime import parse_entity, strip_comments
from tests.corpus import blobs, containers, rar
from tests.corpus.generate import CRLF, _b64

from . import MESSAGE_DEADLINE, mutated_bytes, profile

FUZZ = profile(MESSAGE_DEADLINE)
LIMITS = InspectionLimits(time_budget=2.0)
SLACK_SECONDS = 2.0
_MEMBERS = {"factura.pdf": blobs.pe_exe(), "nota.txt": b"RESERVADO"}


def _seeds() -> list[bytes]:
    return [
        rar.rar5(_MEMBERS),
        rar.rar4(_MEMBERS),
        containers.bsdtar("iso9660", _MEMBERS),
        containers.cab(_MEMBERS),
        containers.bsdtar("cpio", _MEMBERS),
        containers.bsdtar("xar", _MEMBERS),
        containers.bsdtar("ar", _MEMBERS),
        containers.bsdtar("raw", {"a": blobs.pe_exe()}, "--zstd"),
        containers.bsdtar("raw", {"a": blobs.pe_exe()}, "--lz4"),
        containers.zip_deflate64(_MEMBERS),
        containers.zip_names_disagree("leeme.txt", "leeme.exe", blobs.pe_exe()),
        containers.zip_with_hidden_member({"foto.png": blobs.png()}, {"a.exe": blobs.pe_exe()}),
        containers.binhex("factura.pdf", blobs.pe_exe()),
    ]


SEEDS = _seeds()


def _read_all(fmt: ArchiveFormat, data: bytes) -> None:
    budget = Budget.start(LIMITS, time.monotonic)

    def visit(member: Member, reader: MemberReader | None) -> None:
        if reader is not None:
            reader.finish(reader.head(4096), keep=True).close()

    read_archive(fmt, io.BytesIO(data), len(data), budget, "1", visit)


@FUZZ
@given(mutated_bytes(SEEDS))
def test_damaged_containers_never_raise_and_stay_in_budget(data: bytes) -> None:
    started = time.monotonic()
    fmt = detect_format(data[: LIMITS.magic_head_bytes])
    if fmt is not None:
        _read_all(fmt, data)
        archive_text(data, fmt, "a", LIMITS, TextLimits(max_seconds=2.0), time.monotonic)
    with contextlib.suppress(BinHexError):
        decode_binhex(data, 1 << 20)
    message = (
        b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + _b64(data)
    )
    inspect_bytes(message, LIMITS)
    assert time.monotonic() - started < 3 * LIMITS.time_budget + SLACK_SECONDS


_WORDS = st.text(alphabet="abc ;=/", max_size=8)
# A comment, possibly with one nested inside: "(a (b) c)".
_COMMENT = st.builds(lambda a, b, c: f"({a}({b}){c})" if b else f"({a}{c})", _WORDS, _WORDS, _WORDS)
_MAYBE = st.one_of(st.just(""), _COMMENT)


def _message(name: str, before: str, after: str) -> bytes:
    header = f"{name}: {before}multipart/mixed{after}; boundary=limite".encode()
    body = (
        b"--limite" + CRLF
        + b'Content-Type: application/octet-stream; name="a.exe"' + CRLF
        + b"Content-Transfer-Encoding: base64" + CRLF + CRLF
        + _b64(blobs.pe_exe()) + b"--limite--" + CRLF
    )  # fmt: skip
    return b"Subject: x" + CRLF + header + CRLF + CRLF + body


@FUZZ
@given(_MAYBE, _MAYBE, _MAYBE)
def test_comments_in_headers_never_hide_the_executable(
    in_name: str, before: str, after: str
) -> None:
    """Wherever comments sit in the Content-Type, its name included, the executable
    in the multipart body is found."""
    result = inspect_bytes(_message(f"Content-Type{in_name}", before, after), LIMITS)
    assert any(p.category is Category.EXECUTABLE for p in result.parts), result


@FUZZ
@given(st.text(alphabet='()\\" ab;=:', max_size=16), st.text(alphabet='()\\" ab;=', max_size=16))
def test_unbalanced_comments_and_quotes_never_raise(in_name: str, before: str) -> None:
    result = inspect_bytes(_message(f"Content-Type{in_name}", before, ""), LIMITS)
    assert result.total_bytes > 0
    assert strip_comments(in_name + before).count("(") <= (in_name + before).count("(")


@FUZZ
@given(_MAYBE, _MAYBE, _MAYBE, st.sampled_from(["multipart/mixed", "text/plain", "image/png"]))
def test_comment_free_reading_agrees_with_the_stdlib_header_parser(
    before: str, middle: str, after: str, mime: str
) -> None:
    """The first reading of a commented Content-Type is the one RFC 822 gives, as the
    stdlib `email` header parser reads it."""
    maintype, subtype = mime.split("/")
    value = f"{before}{maintype}/{middle}{subtype}{after}; boundary=limite"
    stdlib = email.policy.default.header_factory("content-type", value)
    entity = parse_entity(f"Content-Type: {value}\r\n\r\n".encode())
    first = entity.content_types()[0]
    assert (first.mime, first.param("boundary")) == (stdlib.content_type, stdlib.params["boundary"])
