"""The names in a PDF's bytes that could make a reader run a script, extract a file,
ask for a password or look inside compressed objects (see `aduana.inspect.pdf`).

A PDF name is written plainly or with #xx escapes; both are found here, the escapes
decoded. What pypdf's walk compares as an action type may also be a string, so /S
followed by a string that reads "/JavaScript" or "/JS" counts as well.
"""

from __future__ import annotations

import re

_S_STRING = b"S (not a name)"
_TYPE_OTHER = b"Type (not a name)"
# Names whose presence sends a PDF to the full walk: the keys and values that make a
# JavaScript action (/S /JavaScript, /JS), the document's /Names /JavaScript tree, a
# file specification with an embedded file stream (/EF) and the dictionaries around
# one; /Encrypt (encrypted strings and streams are only readable through pypdf);
# /S followed by a string, since pypdf's walk compares a string /S with the action
# names. And what makes a file hold compressed objects (`STRUCTURE`): pypdf knows a
# cross-reference stream or an object stream by its /Type, /XRef or /ObjStm, compared
# as a name or a string, or reached through a reference.
STRUCTURE = frozenset({b"ObjStm", b"XRef", _TYPE_OTHER})
_WATCHED = frozenset(
    {b"JS", b"JavaScript", b"EF", b"EmbeddedFile", b"EmbeddedFiles", b"FileAttachment"}
    | {b"Encrypt", _S_STRING}
    | STRUCTURE
)
# A name ends at the first character that ends it in any reader: PDF white space
# (NUL included, as PDFium reads it), \v (as pypdf reads it) and the delimiters.
_ENDS = rb"\x00\t\n\v\f\r ()<>\[\]{}/%"
_NAME_BODY = rb"[^" + _ENDS + rb"]*"
_NAMES = re.compile(
    rb"/(?:(?P<plain>"
    + rb"EmbeddedFiles?|FileAttachment|JavaScript|Encrypt|ObjStm|XRef|JS|EF"
    + rb")(?=["
    + _ENDS
    + rb"]|\Z)|(?P<key>S|Type)(?=["
    + _ENDS
    + rb"])(?=[\x00\t\n\v\f\r ]*[^\x00\t\n\v\f\r /])|(?P<escaped>"
    + _NAME_BODY
    + rb"#[0-9A-Fa-f]{2}"
    + _NAME_BODY
    + rb"))"
)
_HEX_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
# /S or /Type followed by something other than a name: a string (which pypdf compares
# equal to a name), a reference, a comment.
_NOT_A_NAME = re.compile(rb"[\x00\t\n\v\f\r ]*[^\x00\t\n\v\f\r /]")
_KEYS_NOT_NAMED = {b"S": _S_STRING, b"Type": _TYPE_OTHER}
_SPACE = b"\x00\t\n\v\f\r "
_LINE_END = re.compile(rb"[\r\n]")
_JS_ACTION_TEXTS = frozenset({"/JavaScript", "/JS"})
# A string that reads "/JavaScript" is short once decoded; reading stops there, and a
# string whose encoding runs longer than _MAX_STRING_BYTES is treated as one.
_MAX_DECODED = 64
_MAX_STRING_BYTES = 64 * 1024
_ESCAPES = {ord("n"): 10, ord("r"): 13, ord("t"): 9, ord("b"): 8, ord("f"): 12}
_HEX_DIGITS = frozenset(b"0123456789abcdefABCDEF")


def names_in(data: bytes) -> frozenset[bytes]:
    """The watched names in `data` (a PDF file or a decoded object stream)."""
    return frozenset(
        name for match in _NAMES.finditer(data) if (name := _name_of(data, match)) in _WATCHED
    )


def _name_of(data: bytes, match: re.Match[bytes]) -> bytes:
    plain = match.group("plain")
    if plain is not None:
        return plain
    key = match.group("key")
    if key is None:
        key = _HEX_ESCAPE.sub(lambda m: bytes((int(m.group(1), 16),)), match.group("escaped"))
        if key not in _KEYS_NOT_NAMED or not _NOT_A_NAME.match(data, match.end()):
            return key
    if key == b"S" and not _string_reads_as_js_action(data, match.end()):
        return key
    return _KEYS_NOT_NAMED[key]


def _string_reads_as_js_action(data: bytes, at: int) -> bool:
    """Whether the value after an /S key is a string pypdf reads as "/JavaScript" or
    "/JS" (literal or hex, PDFDocEncoding or UTF-16); binary noise after the bytes
    "/S" is common in image streams, so only such a string sends a PDF to the walk.
    A string, or a comment before it, too long to read here counts as one."""
    at = _skip_space(data, at)
    if at < 0:
        return True
    opening = data[at : at + 2]
    if opening[:1] == b"(":
        decoded = _literal_string(data, at + 1)
    elif opening[:1] == b"<" and opening != b"<<":
        decoded = _hex_string(data, at + 1)
    else:
        return False
    if decoded is None:
        return True
    texts = {decoded.decode("latin-1")}
    for bom, codec in (
        (b"\xfe\xff", "utf-16-be"),
        (b"\xff\xfe", "utf-16-le"),
        (b"\xef\xbb\xbf", "utf-8"),
    ):
        if decoded.startswith(bom):
            texts.add(decoded[len(bom) :].decode(codec, "replace"))
    return not texts.isdisjoint(_JS_ACTION_TEXTS)


def _skip_space(data: bytes, at: int) -> int:
    """The position after white space and comments; -1 when they run on for more
    than _MAX_STRING_BYTES."""
    end = min(len(data), at + _MAX_STRING_BYTES)
    while at < end:
        if data[at] in _SPACE:
            at += 1
        elif data[at] == 0x25:  # % comment, to the end of the line
            line_end = _LINE_END.search(data, at, end)
            if line_end is None:
                return -1 if end < len(data) else len(data)
            at = line_end.end()
        else:
            return at
    return at if at >= len(data) else -1


def _literal_string(data: bytes, at: int) -> bytes | None:
    """The start of a literal string's value (PDF 32000-1, 7.3.4.2), up to
    _MAX_DECODED bytes; None when its encoding is longer than _MAX_STRING_BYTES."""
    out = bytearray()
    depth = 0
    end = min(len(data), at + _MAX_STRING_BYTES)
    while at < end and len(out) <= _MAX_DECODED:
        char = data[at]
        at += 1
        if char == 0x5C:  # backslash
            at, value = _escape(data, at)
            if value is not None:
                out.append(value)
        elif char == 0x28:
            depth += 1
            out.append(char)
        elif char == 0x29:
            if depth == 0:
                return bytes(out)
            depth -= 1
            out.append(char)
        elif char == 0x0D:
            out.append(0x0A)
            if data[at : at + 1] == b"\n":
                at += 1
        else:
            out.append(char)
    return bytes(out) if len(out) > _MAX_DECODED else None


def _escape(data: bytes, at: int) -> tuple[int, int | None]:
    """After a backslash: the position after the escape and the byte it stands for
    (None for a line continuation)."""
    if at >= len(data):
        return at, None
    char = data[at]
    if char in _ESCAPES:
        return at + 1, _ESCAPES[char]
    if 0x30 <= char <= 0x37:
        digits = 1
        while digits < 3 and at + digits < len(data) and 0x30 <= data[at + digits] <= 0x37:
            digits += 1
        return at + digits, int(data[at : at + digits], 8) & 0xFF
    if char == 0x0D:
        return (at + 2 if data[at + 1 : at + 2] == b"\n" else at + 1), None
    if char == 0x0A:
        return at + 1, None
    return at + 1, char


def _hex_string(data: bytes, at: int) -> bytes | None:
    """The start of a hex string's value, as `_literal_string`."""
    digits = bytearray()
    end = min(len(data), at + _MAX_STRING_BYTES)
    while at < end and len(digits) <= 2 * _MAX_DECODED:
        char = data[at]
        at += 1
        if char == 0x3E:  # >
            break
        if char in _HEX_DIGITS:
            digits.append(char)
        elif char not in _SPACE:
            # Not a hex string to any reader: pypdf stops at the first bad digit too.
            break
    else:
        if len(digits) <= 2 * _MAX_DECODED:
            return None
    if len(digits) % 2:
        digits.append(0x30)
    return bytes.fromhex(digits.decode("ascii"))
