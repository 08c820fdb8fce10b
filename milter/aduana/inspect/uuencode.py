"""uuencoded blocks inside text bodies (`begin 644 name` ... `end`), as old clients
and some malware droppers still write them."""

from __future__ import annotations

import binascii
import re
from dataclasses import dataclass

_BEGIN = re.compile(rb"^begin(-base64)?[ \t]+[0-7]{3,4}[ \t]+([^\r\n]+?)[ \t]*\r?$", re.MULTILINE)
_END = re.compile(rb"^(?:end|====)[ \t]*\r?$", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class UuBlock:
    name: str
    data: bytes


def _uu_line(line: bytes) -> bytes:
    if not line or line in (b"`", b" "):
        return b""
    try:
        return binascii.a2b_uu(line)
    except binascii.Error:
        # Trailing junk after the encoded bytes: decode just the length the line claims.
        nbytes = (line[0] - 32) & 63
        try:
            return binascii.a2b_uu(line[: 1 + (nbytes + 2) // 3 * 4])[:nbytes]
        except binascii.Error:
            return b""


def _decode_name(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def find_uu_blocks(text: bytes, max_blocks: int) -> list[UuBlock]:
    blocks: list[UuBlock] = []
    pos = 0
    while len(blocks) < max_blocks:
        begin = _BEGIN.search(text, pos)
        if begin is None:
            break
        end = _END.search(text, begin.end())
        stop = len(text) if end is None else end.start()
        lines = text[begin.end() : stop].splitlines()
        if begin.group(1):
            payload = re.sub(rb"[^A-Za-z0-9+/]", b"", b"".join(lines))
            data = binascii.a2b_base64(payload[: len(payload) - len(payload) % 4])
        else:
            data = b"".join(_uu_line(line.rstrip(b"\r")) for line in lines)
        blocks.append(UuBlock(_decode_name(begin.group(2)), data))
        pos = stop if end is None else end.end()
    return blocks
