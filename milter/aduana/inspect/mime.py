"""MIME entities read the way a lenient mail client reads them.

Pure functions over bytes: split headers from body, read every candidate of a
duplicated header, decode transfer encodings tolerantly, split multipart bodies
(strictly, leniently, or with a boundary inferred from the body).
"""

from __future__ import annotations

import binascii
import email.utils
import re
from dataclasses import dataclass
from email.message import Message
from email.policy import compat32

from aduana.inspect.names import decode_rfc2047, fix_raw_utf8
from aduana.inspect.uuencode import find_uu_blocks

_HEADER_LINE = re.compile(rb"[!-9;-~]+[ \t]*:")
_B64_ALPHABET = re.compile(rb"[^A-Za-z0-9+/]")
_B64_EXPECTED = re.compile(rb"[^A-Za-z0-9+/=\s]")
IDENTITY_ENCODINGS = frozenset({"", "7bit", "8bit", "binary"})
UU_ENCODINGS = frozenset({"x-uuencode", "uuencode", "x-uue", "uue"})
KNOWN_ENCODINGS = IDENTITY_ENCODINGS | UU_ENCODINGS | {"base64", "quoted-printable"}


@dataclass(frozen=True, slots=True)
class ContentType:
    mime: str
    params: tuple[tuple[str, str], ...]

    @property
    def maintype(self) -> str:
        return self.mime.split("/", 1)[0]

    def param(self, name: str) -> str | None:
        for key, value in self.params:
            if key == name:
                return value
        return None

    def params_named(self, name: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys(v for k, v in self.params if k == name))


@dataclass(frozen=True, slots=True)
class Entity:
    headers: tuple[tuple[str, str], ...]
    body: bytes
    has_headers: bool
    separator_missing: bool

    def values(self, name: str) -> list[str]:
        wanted = name.lower()
        return [value for key, value in self.headers if key == wanted]

    def content_types(self) -> list[ContentType]:
        return [parse_content_type(v) for v in self.values("Content-Type")]

    def transfer_encodings(self) -> list[str]:
        found = [v.strip().lower() for v in self.values("Content-Transfer-Encoding")]
        return list(dict.fromkeys(found)) or [""]

    def disposition(self) -> str:
        values = self.values("Content-Disposition")
        return values[0].split(";", 1)[0].strip().lower() if values else ""

    def filenames(self) -> tuple[str, ...]:
        """Every filename candidate from every Content-Disposition and Content-Type."""
        names: list[str] = []
        for header, key in (("Content-Disposition", "filename"), ("Content-Type", "name")):
            for value in self.values(header):
                names.extend(v for k, v in _params(value) if k == key and v)
        return tuple(dict.fromkeys(names))


def _params(value: str) -> list[tuple[str, str]]:
    holder = Message(policy=compat32)
    holder["X"] = value
    decoded: list[tuple[str, str]] = []
    for key, raw in holder.get_params(header="X", failobj=[]) or []:
        text = email.utils.collapse_rfc2231_value(raw) if isinstance(raw, tuple) else raw
        text = fix_raw_utf8(str(text))
        decoded.append((key.strip().lower(), decode_rfc2047(text).strip()))
    return decoded


def parse_content_type(value: str) -> ContentType:
    params = _params(value)
    mime = value.split(";", 1)[0].strip().lower()
    if mime.count("/") != 1 or " " in mime:
        mime = "text/plain"
    return ContentType(mime, tuple(params[1:] if params else ()))


def parse_entity(raw: bytes, *, skip_mbox_line: bool = False) -> Entity:
    """Split `raw` into headers and body, tolerating bare LF and a missing blank line."""
    pos = 0
    size = len(raw)
    if skip_mbox_line and raw.startswith(b"From "):
        newline = raw.find(b"\n")
        pos = size if newline < 0 else newline + 1
    start = pos
    body_start = size
    separator_missing = False
    while pos < size:
        newline = raw.find(b"\n", pos)
        line_end = size if newline < 0 else newline + 1
        line = raw[pos:line_end].rstrip(b"\r\n")
        if not line:
            body_start = line_end
            break
        is_header = _HEADER_LINE.match(line) is not None
        is_continuation = line[:1] in (b" ", b"\t") and pos > start
        if not (is_header or is_continuation):
            body_start = pos
            separator_missing = pos > start
            break
        pos = line_end
    header_bytes = raw[start : min(body_start, size)]
    return Entity(
        headers=_header_fields(header_bytes),
        body=raw[body_start:],
        has_headers=bool(header_bytes.strip()),
        separator_missing=separator_missing,
    )


def _header_fields(block: bytes) -> tuple[tuple[str, str], ...]:
    """(lowercased name, unfolded value) pairs; 8-bit bytes read as UTF-8, else Latin-1."""
    fields: list[tuple[str, str]] = []
    for raw_line in block.splitlines():
        line = fix_raw_utf8(raw_line.decode("utf-8", "surrogateescape"))
        if line[:1] in (" ", "\t") and fields:
            name, value = fields[-1]
            fields[-1] = (name, value + line)
        elif ":" in line:
            name, value = line.split(":", 1)
            fields.append((name.strip().lower(), value.strip()))
    return tuple(fields)


@dataclass(frozen=True, slots=True)
class Decoded:
    data: bytes
    known: bool = True
    damaged: bool = False


def decode_transfer(body: bytes, encoding: str) -> Decoded:
    """Decode a body as clients do: junk in base64 is skipped, padding is supplied."""
    if encoding == "base64":
        damaged = _B64_EXPECTED.search(body) is not None
        clean = _B64_ALPHABET.sub(b"", body)
        if len(clean) % 4 == 1:
            clean = clean[:-1]
            damaged = True
        clean += b"=" * (-len(clean) % 4)
        try:
            return Decoded(binascii.a2b_base64(clean), damaged=damaged)
        except binascii.Error:
            return Decoded(b"", damaged=True)
    if encoding == "quoted-printable":
        return Decoded(binascii.a2b_qp(body))
    if encoding in UU_ENCODINGS:
        blocks = find_uu_blocks(body, 1)
        return Decoded(blocks[0].data if blocks else body, damaged=not blocks)
    return Decoded(body, known=encoding in IDENTITY_ENCODINGS)


@dataclass(frozen=True, slots=True)
class Split:
    parts: tuple[bytes, ...]
    terminated: bool
    parts_after_end: bool


def _delimiters(body: bytes, boundary: bytes, lenient: bool) -> list[re.Match[bytes]]:
    tail = rb"(--)?[^\n]*$" if lenient else rb"(--)?[ \t]*\r?$"
    pattern = re.compile(rb"^--" + re.escape(boundary) + tail, re.MULTILINE)
    return list(pattern.finditer(body))


def split_multipart(body: bytes, boundary: str, *, lenient: bool = False) -> Split | None:
    """Body parts between delimiter lines, or None when no delimiter is found.

    Parts that follow a close delimiter are kept too (some clients show them).
    `lenient` accepts anything after the boundary on a delimiter line.
    """
    marks = _delimiters(body, boundary.encode("utf-8", "surrogateescape"), lenient)
    if not marks:
        return None
    parts: list[bytes] = []
    closed = False
    after_end = False
    for index, mark in enumerate(marks):
        if mark.group(1) is not None:
            closed = True
            continue
        if closed:
            after_end = True
        start = mark.end() + 1
        end = marks[index + 1].start() if index + 1 < len(marks) else len(body)
        if index + 1 < len(marks):
            end = _strip_line_break(body, end)
        parts.append(body[start:end])
    terminated = marks[-1].group(1) is not None
    return Split(tuple(parts), terminated, after_end)


def _strip_line_break(body: bytes, end: int) -> int:
    if end > 0 and body[end - 1 : end] == b"\n":
        end -= 1
        if end > 0 and body[end - 1 : end] == b"\r":
            end -= 1
    return end


_CANDIDATE = re.compile(rb"^--([^\s][^\r\n]{0,200}?)[ \t]*\r?$", re.MULTILINE)


def infer_boundary(body: bytes) -> str | None:
    """The boundary a body actually uses, when its header names none or another one."""
    counts: dict[bytes, int] = {}
    for match in _CANDIDATE.finditer(body):
        token = match.group(1)
        if token.endswith(b"--"):
            token = token[:-2]
        if token:
            counts[token] = counts.get(token, 0) + 1
    if not counts:
        return None
    token, seen = max(counts.items(), key=lambda item: item[1])
    if seen < 2:
        return None
    return token.decode("utf-8", "surrogateescape")
