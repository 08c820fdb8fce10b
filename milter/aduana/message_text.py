"""The readable text of a message: subject, body parts and cheap attachments.

Bounded in bytes parsed, characters kept and time spent. Attachments are read
only when their true type (libmagic) is a document or text: docx, xlsx, pptx,
OpenDocument, the text layer of PDFs and plain text.
"""

from __future__ import annotations

import email
import email.policy
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message
from typing import IO

from aduana.content.extract import TextLimits, extract_subject, extract_text
from aduana.inspect import Category, classify_bytes

BODY_TEXT_LIMITS = TextLimits(max_chars=100_000, max_seconds=1.0)
ATTACHMENT_TEXT_LIMITS = TextLimits(max_chars=100_000, max_seconds=2.0)
_PARSE_BYTES = 16 * 1024 * 1024
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
    message.seek(0)
    parsed = email.message_from_bytes(message.read(_PARSE_BYTES), policy=email.policy.compat32)
    subject = extract_subject(str(parsed.get("Subject", "")), BODY_TEXT_LIMITS).text
    bodies: list[str] = []
    attachments: list[str] = []
    deadline = clock() + ATTACHMENT_TEXT_LIMITS.max_seconds
    for part in parsed.walk():
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes) or not payload:
            continue
        if _is_body(part):
            bodies.append(extract_text(_content_type(part), payload, BODY_TEXT_LIMITS).text)
        elif include_attachments and clock() < deadline:
            true_type, category = classify_bytes(payload)
            if category in _READABLE:
                extracted = extract_text(true_type, payload, ATTACHMENT_TEXT_LIMITS, clock=clock)
                attachments.append(extracted.text)
    limit = BODY_TEXT_LIMITS.max_chars
    return MessageText(subject, "\n".join(bodies)[:limit], "\n".join(attachments)[:limit])


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
