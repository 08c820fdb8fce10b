"""BinHex 4.0 (`.hqx`, application/mac-binhex40): Macintosh files encoded as text.

libarchive does not read BinHex and Python's `binhex` module was removed in 3.11,
so this is the minimal decoder: the 6-bit alphabet, the 0x90 run-length escape and
the header (name, fork lengths). Both forks are returned; the CRCs are not checked,
since a wrong CRC does not change what a client that ignores it would extract.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

_ALPHABET = b"!\"#$%&'()*+,-012345689@ABCDEFGHIJKLMNPQRSTUVXYZ[`abcdefhijklmpqr"
# The marker line, then a colon and encoded text: a mail that only quotes the
# marker is not BinHex.
_MARKER = re.compile(
    rb"\(This file must be converted with BinHex[^\r\n]*\s*(?=:[" + re.escape(_ALPHABET) + rb"]{8})"
)
_VALUES = {byte: index for index, byte in enumerate(_ALPHABET)}
_RUN = 0x90


@dataclass(frozen=True, slots=True)
class BinHexFile:
    name: str
    data_fork: bytes
    resource_fork: bytes


class BinHexError(ValueError):
    """The text says it is BinHex but cannot be decoded."""


def has_binhex(text: bytes) -> bool:
    return _MARKER.search(text) is not None


def decode_binhex(text: bytes, max_bytes: int) -> BinHexFile:
    """The file encoded after the BinHex marker in `text`; at most `max_bytes` of
    output are produced (a run-length bomb stops there)."""
    marker = _MARKER.search(text)
    if marker is None:
        raise BinHexError("no BinHex marker")
    start = text.find(b":", marker.end())
    if start == -1:
        raise BinHexError("no data after the marker")
    end = text.find(b":", start + 1)
    encoded = text[start + 1 : end if end != -1 else len(text)]
    packed = _six_bit(encoded)
    raw = _expand_runs(packed, max_bytes)
    return _split(raw)


def _six_bit(encoded: bytes) -> bytes:
    out = bytearray()
    accumulator = 0
    bits = 0
    for byte in encoded:
        value = _VALUES.get(byte)
        if value is None:
            if byte in b" \t\r\n":
                continue
            raise BinHexError(f"byte {byte:#x} outside the BinHex alphabet")
        accumulator = (accumulator << 6) | value
        bits += 6
        if bits >= 8:
            bits -= 8
            out.append((accumulator >> bits) & 0xFF)
    return bytes(out)


def _expand_runs(packed: bytes, max_bytes: int) -> bytes:
    out = bytearray()
    index = 0
    while index < len(packed) and len(out) <= max_bytes:
        byte = packed[index]
        if byte != _RUN or index + 1 >= len(packed):
            out.append(byte)
            index += 1
            continue
        count = packed[index + 1]
        index += 2
        if count == 0:
            out.append(_RUN)
        elif out:
            out += bytes([out[-1]]) * (count - 1)
    return bytes(out[:max_bytes])


def _split(raw: bytes) -> BinHexFile:
    if not raw:
        raise BinHexError("empty")
    name_length = raw[0]
    at = 1 + name_length + 1  # name, then a version byte
    fields = raw[at : at + 18]
    if len(fields) < 18:
        raise BinHexError("header cut short")
    data_length, resource_length = struct.unpack(">II", fields[10:18])
    name = raw[1 : 1 + name_length].decode("mac-roman")
    data_start = at + 18 + 2  # after the header CRC
    data = raw[data_start : data_start + data_length]
    resource_start = data_start + data_length + 2
    resource = raw[resource_start : resource_start + resource_length]
    return BinHexFile(name, data, resource)
