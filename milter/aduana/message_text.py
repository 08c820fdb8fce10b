"""The readable text of a message: subject, body parts and cheap attachments.

Bounded in bytes parsed, characters kept and time spent. Attachments are read
only when their true type (libmagic) is a document or text: docx, xlsx, pptx,
OpenDocument, the text layer of PDFs and plain text.
"""

from __future__ import annotations

import binascii
import email.policy
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.feedparser import BytesFeedParser
from email.message import Message
from typing import IO

from aduana.content.extract import TextLimits, extract_subject, extract_text
from aduana.inspect import Category, classify_bytes

BODY_TEXT_LIMITS = TextLimits(max_chars=100_000, max_seconds=1.0)
ATTACHMENT_TEXT_LIMITS = TextLimits(max_chars=100_000, max_seconds=2.0)
_PARSE_BYTES = 16 * 1024 * 1024
_FEED_BYTES = 64 * 1024
# A base64 payload that `get_payload(decode=True)` decodes strictly: alphabet and
# line breaks, then at most two pad characters at the very end.
_STRICT_BASE64 = re.compile(r"[A-Za-z0-9+/\r\n]*(?:=[\r\n]*){0,2}")
_READABLE = (Category.DOCUMENT, Category.TEXT)


@dataclass(frozen=True)
class MessageText:
    subject: str = ""
    body: str = ""
    attachments: str = ""

    @property
    def everything(self) -> str:
        return "\n".join(t for t in (self.subject, self.body, self.attachments) if t)


def body_text(message: IO[bytes]) -> str:
    """Only the body parts (for the mass-mailing fingerprint)."""
    return message_text(message, include_attachments=False).body


def message_text(
    message: IO[bytes],
    *,
    include_attachments: bool = True,
    clock: Callable[[], float] = time.monotonic,
) -> MessageText:
    parsed = _parse(message)
    subject = extract_subject(str(parsed.get("Subject", "")), BODY_TEXT_LIMITS).text
    bodies: list[str] = []
    attachments: list[str] = []
    deadline = clock() + ATTACHMENT_TEXT_LIMITS.max_seconds
    for part in parsed.walk():
        if part.is_multipart():
            continue
        is_body = _is_body(part)
        if not is_body and not (include_attachments and clock() < deadline):
            continue
        payload = _decoded_payload(part)
        # Done with the part: let its encoded text go before the next one is read.
        part.set_payload("")
        if not isinstance(payload, bytes) or not payload:
            continue
        if is_body:
            bodies.append(extract_text(_content_type(part), payload, BODY_TEXT_LIMITS).text)
        else:
            true_type, category = classify_bytes(payload)
            if category in _READABLE:
                extracted = extract_text(true_type, payload, ATTACHMENT_TEXT_LIMITS, clock=clock)
                attachments.append(extracted.text)
        del payload
    limit = BODY_TEXT_LIMITS.max_chars
    return MessageText(subject, "\n".join(bodies)[:limit], "\n".join(attachments)[:limit])


def _parse(message: IO[bytes]) -> Message:
    """The first `_PARSE_BYTES` of the message, fed to the parser a chunk at a time
    (the parser splits what it is fed into lines: fed whole, it held every line of
    the message at once)."""
    message.seek(0)
    parser = BytesFeedParser(policy=email.policy.compat32)
    left = _PARSE_BYTES
    while left > 0 and (chunk := message.read(min(_FEED_BYTES, left))):
        parser.feed(chunk)
        left -= len(chunk)
    return parser.close()


def _decoded_payload(part: Message) -> object:
    """`part.get_payload(decode=True)`, without its copies of a large base64 payload
    (as bytes, as split lines, joined again): for well-formed base64, which decodes
    the same a window at a time, the same bytes; anything else goes the stdlib way."""
    payload = part.get_payload()
    cte = str(part.get("content-transfer-encoding", "")).lower()
    if cte != "base64" or not isinstance(payload, str) or len(payload) < _FEED_BYTES:
        return part.get_payload(decode=True)
    if not payload.isascii() or _STRICT_BASE64.fullmatch(payload) is None:
        return part.get_payload(decode=True)
    pieces: list[bytes] = []
    carry = b""
    for start in range(0, len(payload), _FEED_BYTES):
        window = payload[start : start + _FEED_BYTES].encode("ascii")
        clean = carry + window.translate(None, b"\r\n")
        usable = len(clean) - len(clean) % 4
        pieces.append(binascii.a2b_base64(clean[:usable]))
        carry = clean[usable:]
    if carry:
        # Not a whole number of quads: the stdlib pads it and records a defect.
        return part.get_payload(decode=True)
    return b"".join(pieces)


def _is_body(part: Message) -> bool:
    return (
        part.get_content_maintype() == "text"
        and part.get_content_subtype() in ("plain", "html")
        and part.get_filename() is None
        and part.get_content_disposition() != "attachment"
    )


def _content_type(part: Message) -> str:
    charset = part.get_content_charset()
    return part.get_content_type() + (f"; charset={charset}" if charset else "")
