"""TNEF (winmail.dat): the attachments Outlook wraps inside one opaque part.

A TNEF stream is a signature, a key, then attributes: level (1 byte), id (4), length (4),
data, checksum (2). An attachment starts at attAttachRendData; its name is in
attAttachTitle and its bytes in attAttachData. This small reader walks the stream in
one pass (tnefparse copies the remaining stream for every attribute, which is
quadratic on hostile input), and never raises on damaged data.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

TNEF_SIGNATURE = b"\x78\x9f\x3e\x22"
_LEVEL_ATTACHMENT = 0x02
_ATT_RENDDATA = 0x9002
_ATT_TITLE = 0x8010
_ATT_DATA = 0x800F
_ATT_TRANSPORT_NAME = 0x9001
_HEADER = struct.Struct("<BII")


@dataclass(frozen=True, slots=True)
class TnefAttachment:
    name: str
    data: bytes


@dataclass(frozen=True, slots=True)
class TnefContents:
    attachments: tuple[TnefAttachment, ...]
    error: str = ""


def is_tnef(head: bytes) -> bool:
    return head.startswith(TNEF_SIGNATURE)


def _text(raw: bytes) -> str:
    raw = raw.split(b"\x00", 1)[0]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", "replace")


def tnef_attachments(data: bytes, max_attachments: int) -> TnefContents:
    """The attachments of a TNEF blob; a damaged blob gives an error, not an exception."""
    if not is_tnef(data):
        return TnefContents((), "firma TNEF ausente")
    view = memoryview(data)
    offset = 6
    names: list[str] = []
    blobs: list[bytes] = []
    error = ""
    while offset + _HEADER.size <= len(view):
        level, attribute, length = _HEADER.unpack_from(view, offset)
        start = offset + _HEADER.size
        end = start + length
        if end + 2 > len(view):
            error = "atributo TNEF truncado"
            break
        attribute_id = attribute & 0xFFFF
        if level == _LEVEL_ATTACHMENT:
            if attribute_id == _ATT_RENDDATA:
                if len(names) >= max_attachments:
                    break
                names.append("")
                blobs.append(b"")
            elif names and attribute_id in (_ATT_TITLE, _ATT_TRANSPORT_NAME):
                names[-1] = names[-1] or _text(bytes(view[start:end]))
            elif names and attribute_id == _ATT_DATA:
                blobs[-1] = bytes(view[start:end])
        offset = end + 2
    found = tuple(TnefAttachment(n, b) for n, b in zip(names, blobs, strict=True))
    return TnefContents(found, error)
