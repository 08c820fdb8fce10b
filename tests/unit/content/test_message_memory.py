"""A large message is inspected and read without holding copies of it at every step.

Measured with tracemalloc, as a bound on Python allocations (not a timing): the
10 MB benchmark message used to peak at ~87 MB in each of the two passes (the
inspection, and the text pass through the `email` package).
"""

from __future__ import annotations

import base64
import binascii
import io
import random
import tracemalloc
from collections.abc import Callable
from typing import TypeVar

import pytest

from aduana.content.message_text import message_text
from aduana.inspect import Category, InspectionLimits, inspect_message
from aduana.inspect.mime import decode_transfer, decode_transfer_into

MB = 1_000_000
T = TypeVar("T")


def _large_message(payload: bytes) -> bytes:
    encoded = base64.encodebytes(payload).replace(b"\n", b"\r\n")
    return (
        b"From: a@example.org\r\nSubject: Expediente\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nAdjunto el expediente.\r\n"
        b'--b\r\nContent-Type: application/octet-stream; name="datos.bin"\r\n'
        b'Content-Disposition: attachment; filename="datos.bin"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n" + encoded + b"--b--\r\n"
    )


def _peak(work: Callable[[], T]) -> tuple[T, int]:
    tracemalloc.start()
    try:
        result = work()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.fixture(scope="module")
def large() -> bytes:
    return _large_message(random.Random(7).randbytes(3 * MB))


def test_inspecting_a_large_message_allocates_less_than_the_message(large: bytes) -> None:
    inspection, peak = _peak(lambda: inspect_message(io.BytesIO(large), InspectionLimits()))
    assert peak < len(large)
    assert [p.category for p in inspection.parts] == [Category.TEXT, Category.OTHER]
    assert inspection.parts[1].size == 3 * MB


def test_reading_the_text_of_a_large_message_allocates_little_more_than_the_message(
    large: bytes,
) -> None:
    """The attachment is not readable, so only its first bytes are decoded (to learn so)."""
    text, peak = _peak(lambda: message_text(io.BytesIO(large)))
    assert peak < 1.2 * len(large)
    assert text.body == "Adjunto el expediente."
    assert text.attachments == ""


_BASE64_CASES = {
    "clean": base64.encodebytes(bytes(range(256)) * 2000),
    "no line breaks": base64.b64encode(b"\x00\xff" * 300_001),
    "one pad": base64.encodebytes(b"ab" * 200_000),
    "junk between lines": b"!!\r\n".join(base64.encodebytes(b"x" * 300_000).splitlines()),
    "pad mid stream": base64.b64encode(b"a") + base64.b64encode(b"b" * 400_000),
    "one char too many": base64.b64encode(b"c" * 300_000) + b"Q",
    "missing padding": base64.b64encode(b"d" * 300_001).rstrip(b"="),
    "empty": b"",
}


def _whole(body: bytes) -> bytes:
    """The decoding done at once, as it was before it was done a window at a time."""
    clean = b"".join(c for c in (bytes([b]) for b in body) if c.isalnum() or c in b"+/")
    if len(clean) % 4 == 1:
        clean = clean[:-1]
    return binascii.a2b_base64(clean + b"=" * (-len(clean) % 4))


@pytest.mark.parametrize("name", sorted(_BASE64_CASES))
def test_base64_decoded_in_windows_gives_the_same_bytes(name: str) -> None:
    body = _BASE64_CASES[name]
    expected = _whole(body)
    assert decode_transfer(memoryview(body), "base64").data == expected
    out = io.BytesIO()
    decode_transfer_into(memoryview(body), "base64", out)
    assert out.getvalue() == expected
