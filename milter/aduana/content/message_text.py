"""The readable text of a message: subject, body parts and cheap attachments.

Bounded in bytes parsed, characters kept and time spent. Attachments are read
only when their true type (libmagic) is a document or text: docx, xlsx, pptx,
OpenDocument, the text layer of PDFs and plain text.

The message is walked with the inspection's own MIME reader
(`aduana.inspect.mime`): views into one buffer, delimiters found by a fast
search, and an attachment decoded whole only when its first bytes say it is
readable. The `email` package's parser, used before, split every message into
lines in pure Python: 200 ms and 27 MB for a 10 MB zip attachment whose text
was never read (docs/performance.md). Where the inspection reads malformed MIME
several ways, the text is taken from the first reading, as a mail client
would show it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from typing import IO

from aduana.clock import Clock
from aduana.content.archive_text import archive_format, archive_text
from aduana.content.extract import TextLimits, extract_subject, extract_text
from aduana.inspect import (
    Category,
    InspectionLimits,
    UninspectablePart,
    UnnamedPart,
    classify_bytes,
)
from aduana.inspect.mime import (
    IDENTITY_ENCODINGS,
    ContentType,
    Data,
    Entity,
    decode_transfer,
    parse_entity,
    split_multipart,
)
from aduana.inspect.part_boundary import read_part

BODY_TEXT_LIMITS = TextLimits(max_chars=100_000, max_seconds=1.0)
ATTACHMENT_TEXT_LIMITS = TextLimits(max_chars=100_000, max_seconds=2.0)
_PARSE_BYTES = 16 * 1024 * 1024
# What libmagic sees of an attachment, as in the inspection (InspectionLimits).
_TYPE_HEAD_BYTES = 256 * 1024
# Base64 text that decodes to at least the head (4 characters per 3 bytes, plus
# line breaks): only this much is decoded to decide whether to read the rest.
_ENCODED_HEAD_BYTES = _TYPE_HEAD_BYTES * 3 // 2
_MAX_DEPTH = 50
_READABLE = (Category.DOCUMENT, Category.TEXT)
_BODY_SUBTYPES = ("text/plain", "text/html")
_SLICEABLE_ENCODINGS = IDENTITY_ENCODINGS | {"base64"}


@dataclass(frozen=True)
class MessageText:
    subject: str = ""
    body: str = ""
    attachments: str = ""
    failed_reads: tuple[UninspectablePart, ...] = ()
    """Parts whose text reader raised (e.g. pypdf on a PDF it cannot open)."""

    @property
    def everything(self) -> str:
        return "\n".join(t for t in (self.subject, self.body, self.attachments) if t)


@dataclass(frozen=True)
class _Leaf:
    """A part that holds content rather than other parts."""

    content_type: ContentType
    entity: Entity

    @property
    def is_body(self) -> bool:
        """Shown as the message itself: inline text without a file name."""
        return (
            self.content_type.mime in _BODY_SUBTYPES
            and not self.entity.filenames()
            and self.entity.disposition() != "attachment"
        )

    @property
    def declared(self) -> str:
        charset = self.content_type.param("charset")
        suffix = f"; charset={charset.lower()}" if charset else ""
        return self.content_type.mime + suffix

    def decoded(self, encoded_limit: int | None = None) -> bytes:
        """The decoded content; with a limit, only what the first `encoded_limit`
        bytes of base64 or unencoded content give (others are decoded whole)."""
        body = self.entity.body
        encoding = self.entity.transfer_encodings()[0]
        if encoded_limit is not None and encoding in _SLICEABLE_ENCODINGS:
            body = body[:encoded_limit]
        return decode_transfer(body, encoding).data


def body_text(message: IO[bytes]) -> str:
    """Only the body parts (for the mass-mailing fingerprint)."""
    return message_text(message, include_attachments=False).body


def message_text(
    message: IO[bytes],
    *,
    include_attachments: bool = True,
    clock: Clock = time.monotonic,
) -> MessageText:
    message.seek(0)
    return text_of(message.read(_PARSE_BYTES), include_attachments=include_attachments, clock=clock)


def text_of(
    raw: bytes,
    *,
    include_attachments: bool = True,
    clock: Clock = time.monotonic,
    limits: InspectionLimits | None = None,
) -> MessageText:
    """`message_text` of a message already in memory (only its first 16 MiB are read).
    Archives are read within `limits` (the inspection's), with the text time budget."""
    top = parse_entity(memoryview(raw)[:_PARSE_BYTES], skip_mbox_line=True)
    subjects = top.values("Subject")
    subject = extract_subject(subjects[0] if subjects else "", BODY_TEXT_LIMITS).text
    bodies: list[str] = []
    attachments: list[str] = []
    failed: list[UninspectablePart] = []
    deadline = clock() + ATTACHMENT_TEXT_LIMITS.max_seconds
    for number, leaf in enumerate(_leaves(top, "text/plain", 0), start=1):
        names = leaf.entity.filenames()
        shown = names[0] if names else UnnamedPart(str(number), leaf.content_type.mime)
        if leaf.is_body:
            read_part(f"text#{number}", shown, partial(_body_text, leaf, bodies), failed)
        elif include_attachments and clock() < deadline:
            read = partial(_attachment_text, leaf, clock, limits or InspectionLimits(), attachments)
            read_part(f"text#{number}", shown, read, failed)
    limit = BODY_TEXT_LIMITS.max_chars
    return MessageText(
        subject, "\n".join(bodies)[:limit], "\n".join(attachments)[:limit], tuple(failed)
    )


def _body_text(leaf: _Leaf, bodies: list[str]) -> None:
    payload = leaf.decoded()
    if payload:
        bodies.append(extract_text(leaf.declared, payload, BODY_TEXT_LIMITS).text)


def _attachment_text(leaf: _Leaf, clock: Clock, limits: InspectionLimits, texts: list[str]) -> None:
    head = leaf.decoded(_ENCODED_HEAD_BYTES)[:_TYPE_HEAD_BYTES]
    if not head:
        return
    fmt = archive_format(head)
    if fmt is not None:
        names = leaf.entity.filenames()
        name = names[0] if names else ""
        texts.extend(archive_text(leaf.decoded(), fmt, name, limits, ATTACHMENT_TEXT_LIMITS, clock))
        return
    true_type, category = classify_bytes(head)
    if category in _READABLE:
        texts.append(
            extract_text(true_type, leaf.decoded(), ATTACHMENT_TEXT_LIMITS, clock=clock).text
        )


def _leaves(entity: Entity, default_type: str, depth: int) -> Iterator[_Leaf]:
    declared = entity.content_types()
    content_type = declared[0] if declared else ContentType(default_type, ())
    if depth > _MAX_DEPTH:
        return
    if content_type.maintype == "multipart":
        parts = _parts(entity.body, content_type)
        if parts is None:  # no delimiter found: clients show the body as it is
            yield _Leaf(content_type, entity)
            return
        child_type = "message/rfc822" if content_type.mime == "multipart/digest" else "text/plain"
        for part in parts:
            yield from _leaves(parse_entity(part), child_type, depth + 1)
    elif content_type.mime == "message/rfc822":
        inner = decode_transfer(entity.body, entity.transfer_encodings()[0]).data
        yield from _leaves(parse_entity(memoryview(inner)), "text/plain", depth + 1)
    else:
        yield _Leaf(content_type, entity)


def _parts(body: Data, content_type: ContentType) -> tuple[Data, ...] | None:
    boundary = content_type.param("boundary")
    if not boundary:
        return None
    split = split_multipart(body, boundary)
    return None if split is None else split.parts
