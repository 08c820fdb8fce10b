"""Compressed RAR archives built by the suite (Debian has no free RAR writer).

The members are compressed, not stored: their method says "normal", and the packed
data is a Huffman-coded block in which every byte is a literal of 8 bits. That is
the smallest valid compressed stream: unrar and libarchive must decompress it, and
`rarfile` cannot read it without the external unrar tool, which is the case the
inspection has to cover. Formats: RAR 5.0 (www.rarlab.com/technote.htm) and the
RAR 2.9 / 4.x archive format with the v2.9 LZ compression.
"""

from __future__ import annotations

import struct
import zlib


class _Bits:
    """Most significant bit first, as both RAR decoders read."""

    def __init__(self) -> None:
        self.bits: list[int] = []

    def put(self, value: int, width: int) -> None:
        self.bits.extend((value >> (width - 1 - i)) & 1 for i in range(width))

    def pad(self) -> int:
        """Pad to a whole byte; returns how many bits of the last byte are used."""
        used = len(self.bits) % 8 or 8
        self.bits.extend([0] * (-len(self.bits) % 8))
        return used

    def to_bytes(self) -> bytes:
        return bytes(
            int("".join(map(str, self.bits[i : i + 8])), 2) for i in range(0, len(self.bits), 8)
        )


def _tables(bits: _Bits, table_size: int, lengths: list[int], bc: dict[int, int]) -> None:
    """The bit-length code (20 nibbles), then the main table: `lengths` for the first
    symbols and zeros for every other one (runs coded with symbols 18/19)."""
    for symbol in range(20):
        bits.put(bc.get(symbol, 0), 4)
    codes = _canonical(bc)
    for length in lengths:
        bits.put(*codes[length])
    zeros = table_size - len(lengths)
    while zeros > 0:
        if zeros >= 11:
            run = min(zeros, 138)
            bits.put(*codes[19])
            bits.put(run - 11, 7)
        else:
            run = max(zeros, 3)
            bits.put(*codes[18])
            bits.put(run - 3, 3)
        zeros -= run


def _canonical(lengths: dict[int, int]) -> dict[int, tuple[int, int]]:
    """Canonical Huffman codes: by length, then by symbol."""
    codes: dict[int, tuple[int, int]] = {}
    code = 0
    previous = 0
    for symbol, length in sorted(lengths.items(), key=lambda item: (item[1], item[0])):
        code <<= length - previous
        codes[symbol] = (code, length)
        code += 1
        previous = length
    return codes


def _vint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _rar5_block(body: bytes) -> bytes:
    data = _vint(len(body)) + body
    return struct.pack("<I", zlib.crc32(data)) + data


def _rar5_header(kind: int, flags: int, fields: bytes, data_size: int | None = None) -> bytes:
    body = _vint(kind) + _vint(flags)
    if data_size is not None:
        body += _vint(data_size)
    return _rar5_block(body + fields)


def _rar5_compressed(data: bytes) -> bytes:
    bits = _Bits()
    _tables(bits, 306 + 64 + 16 + 44, [8] * 256, {8: 1, 19: 1})
    for byte in data:
        bits.put(byte, 8)
    used = bits.pad()
    payload = bits.to_bytes()
    size = len(payload)
    flags = 0x80 | 0x40 | (used - 1)  # table present, last block, bits in last byte
    size_bytes = size.to_bytes(3 if size > 0xFFFF else 2 if size > 0xFF else 1, "little")
    flags |= (len(size_bytes) - 1) << 3
    check = 0x5A ^ flags
    for byte in size_bytes:
        check ^= byte
    return bytes([flags, check]) + size_bytes + payload


def rar5(members: dict[str, bytes]) -> bytes:
    """A RAR 5.0 archive whose members are compressed (method 3, normal)."""
    out = b"Rar!\x1a\x07\x01\x00" + _rar5_header(1, 0, _vint(0))
    for name, data in members.items():
        packed = _rar5_compressed(data)
        encoded = name.encode()
        fields = (
            _vint(0x0004)  # CRC32 present
            + _vint(len(data))
            + _vint(0x20)  # attributes: archive
            + struct.pack("<I", zlib.crc32(data))
            + _vint(3 << 7)  # version 0, not solid, method 3, dictionary 128 KiB
            + _vint(0)  # host: Windows
            + _vint(len(encoded))
            + encoded
        )
        out += _rar5_header(2, 0x0002, fields, len(packed)) + packed
    return out + _rar5_header(5, 0, _vint(0))


def _rar4_header(kind: int, flags: int, fields: bytes) -> bytes:
    body = struct.pack("<BHH", kind, flags, 7 + len(fields)) + fields
    return struct.pack("<H", zlib.crc32(body) & 0xFFFF) + body


def rar4(members: dict[str, bytes]) -> bytes:
    """A RAR 4.x archive whose members use the v2.9 LZ compression (method 0x33)."""
    out = b"Rar!\x1a\x07\x00" + _rar4_header(0x73, 0, b"\x00" * 6)
    for name, data in members.items():
        bits = _Bits()
        bits.put(0, 2)  # LZ block, fresh tables
        # Literals 0-254 take 8 bits, 255 and the end-of-block symbol 256 take 9.
        _tables(bits, 299 + 60 + 17 + 28, [8] * 255 + [9, 9], {8: 2, 9: 2, 18: 2, 19: 2})
        for byte in data:
            bits.put(byte, 8) if byte < 255 else bits.put(510, 9)
        bits.put(511, 9)  # symbol 256, then "0" (a new file) and "0" (no new table)
        bits.put(0, 2)
        bits.pad()
        # Readers fetch bits ahead of the one they decode: give them spare bytes.
        packed = bits.to_bytes() + b"\x00" * 8
        encoded = name.encode()
        fields = struct.pack(
            "<IIBIIBBHI",
            len(packed),
            len(data),
            2,  # host: Windows
            zlib.crc32(data),
            0x21000000,  # DOS time: 1996-08-00
            29,  # version needed to extract
            0x33,  # method: normal
            len(encoded),
            0x20,
        )
        out += _rar4_header(0x74, 0x8000, fields + encoded) + packed
    return out + _rar4_header(0x7B, 0x4000, b"")
