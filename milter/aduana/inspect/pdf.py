"""What a PDF carries besides pages: encryption, JavaScript and embedded files (pypdf).

Encryption is read from the file, never by decrypting it: a PDF is encrypted when a
trailer of any revision (or an xref stream) names an /Encrypt dictionary. A PDF whose
user password is empty opens in every reader without a prompt, so it counts as
readable, not encrypted; checking that needs only the empty password.

Every indirect object is visited once (up to `_MAX_OBJECTS`), so JavaScript and file
specifications are found in the catalog, in annotations and inside object streams,
with names in #xx escapes decoded by pypdf.
"""

from __future__ import annotations

import io
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import pypdf
import pypdf.errors
from pypdf import PasswordType
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, PdfObject, StreamObject

from aduana.inspect.embedded import EmbeddedFile

_ENCRYPT = re.compile(rb"/Encrypt\s*(?:\d+\s+\d+\s+R|<<)")
_MAX_OBJECTS = 20_000
_MAX_FILES = 50
_MAX_NESTING = 8
_JS_ACTIONS = frozenset({"/JavaScript", "/JS"})
# pypdf reports most damage as PyPdfError, but a hostile file can also surface as
# one of these from its parsers and filters (the same list as content/extract.py).
_PDF_ERRORS = (
    pypdf.errors.PyPdfError,
    ValueError,
    KeyError,
    IndexError,
    TypeError,
    AttributeError,
    RecursionError,
    ZeroDivisionError,
    zlib.error,
    OSError,
    # An encryption handler other than /Standard (certificate encryption, Adobe.PubSec).
    NotImplementedError,
)


@dataclass(frozen=True, slots=True)
class PdfScan:
    """`unreadable` names the error when pypdf could not read the file's objects."""

    javascript: bool = False
    files: tuple[EmbeddedFile, ...] = ()
    unreadable: str = ""


def declares_encryption(data: bytes) -> bool:
    """A trailer or xref stream of any revision points at an /Encrypt dictionary."""
    return _ENCRYPT.search(data) is not None


def is_encrypted(data: bytes) -> bool:
    """Encrypted, and not readable with the empty user password."""
    declared = declares_encryption(data)
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if not (declared or reader.is_encrypted):
            return False
        return not _opens_without_password(reader)
    except _PDF_ERRORS:
        # Damaged beyond pypdf: trust what the bytes declare.
        return declared


def scan_pdf(data: bytes) -> PdfScan:
    """JavaScript and embedded files of a PDF that `is_encrypted` found readable."""
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not _opens_without_password(reader):
            return PdfScan()
        javascript, files = _active_objects(reader)
    except _PDF_ERRORS as error:
        return PdfScan(unreadable=type(error).__name__)
    return PdfScan(javascript=javascript, files=files)


def _opens_without_password(reader: pypdf.PdfReader) -> bool:
    try:
        return reader.decrypt("") is not PasswordType.NOT_DECRYPTED
    except _PDF_ERRORS:
        # An encryption pypdf cannot check (or a missing crypto library): encrypted.
        return False


def _active_objects(reader: pypdf.PdfReader) -> tuple[bool, tuple[EmbeddedFile, ...]]:
    javascript = False
    files: list[EmbeddedFile] = []
    for number in _object_numbers(reader):
        for found in _dictionaries(reader.get_object(number), 0):
            javascript = javascript or _is_javascript(found)
            if "/EF" in found and len(files) < _MAX_FILES:
                embedded = _embedded_file(found)
                if embedded is not None:
                    files.append(embedded)
    return javascript, tuple(files)


def _dictionaries(obj: PdfObject | None, depth: int) -> Iterator[DictionaryObject]:
    """An object's dictionaries, nested ones too (an inline /OpenAction or file
    specification); references are not followed, each object is visited on its own."""
    if depth > _MAX_NESTING:
        return
    if isinstance(obj, DictionaryObject):
        yield obj
        children: Iterable[PdfObject] = obj.values()
    elif isinstance(obj, ArrayObject):
        children = obj
    else:
        return
    for child in children:
        if not isinstance(child, IndirectObject):
            yield from _dictionaries(child, depth + 1)


def _object_numbers(reader: pypdf.PdfReader) -> list[int]:
    numbers: set[int] = set()
    for table in reader.xref.values():
        numbers.update(table)
    numbers.update(reader.xref_objStm)
    return sorted(numbers)[:_MAX_OBJECTS]


def _is_javascript(obj: DictionaryObject) -> bool:
    """A JavaScript action, or the catalog's /Names /JavaScript tree."""
    return "/JS" in obj or "/JavaScript" in obj or obj.get("/S") in _JS_ACTIONS


def _embedded_file(spec: DictionaryObject) -> EmbeddedFile | None:
    """A file specification with an embedded file stream (/EF /F or /UF)."""
    streams = _resolve(spec.get("/EF"))
    if not isinstance(streams, DictionaryObject):
        return None
    for key in ("/F", "/UF"):
        stream = _resolve(streams.get(key))
        if isinstance(stream, StreamObject):
            name = spec.get("/UF") or spec.get("/F")
            label = _resolve(name) if isinstance(name, PdfObject) else name
            return EmbeddedFile(name=str(label or ""), data=stream.get_data())
    return None


def _resolve(obj: PdfObject | None) -> PdfObject | None:
    return obj.get_object() if isinstance(obj, IndirectObject) else obj
