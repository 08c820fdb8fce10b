"""What a PDF carries besides pages: encryption, JavaScript and embedded files.

Encryption is read from the file, never by decrypting it: a PDF is encrypted when a
trailer of any revision (or an xref stream) names an /Encrypt dictionary. A PDF whose
user password is empty opens in every reader without a prompt, so it counts as
readable, not encrypted; checking that needs only the empty password.

Most PDFs carry neither JavaScript nor files, and proving that is cheap: every key
that makes a dictionary a script or a file specification is a PDF name, and a name
sits in the file's bytes, written plainly or in #xx escapes, or inside an object
stream. `read_pdf` looks for those names with one regular expression over the bytes
and, when the file has object streams, over each one the cross-reference points at,
decoded by pypdf as its walk would decode it (`_watched_names`). When none is there
and PDFium opens the file, there is nothing to find. Anything else (a watched name,
an /Encrypt dictionary, an object stream pypdf cannot decode, a file PDFium cannot
open) takes the full walk with pypdf: every indirect object is visited once (up to
`_MAX_OBJECTS`), so JavaScript and file specifications are found in the catalog, in
annotations and inside object streams, with names in #xx escapes decoded by pypdf,
and a file pypdf cannot read is reported as unreadable.
"""

from __future__ import annotations

import io
import re
import threading
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import pypdf
import pypdf.errors
import pypdfium2
from pypdf import PasswordType
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, PdfObject, StreamObject

from aduana.inspect import pdf_names
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


# PDFium is not thread-safe, and small messages are read in libmilter's threads:
# one PDF at a time per process, here and in content/extract.py. Calls into it
# release the GIL, so other messages' Python work goes on meanwhile.
PDFIUM_LOCK = threading.Lock()

# Decoded object-stream bytes checked here per PDF; beyond this, the full walk.
_MAX_OBJSTM_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class PdfScan:
    """`unreadable` names the error when pypdf could not read the file's objects."""

    javascript: bool = False
    files: tuple[EmbeddedFile, ...] = ()
    unreadable: str = ""


@dataclass(frozen=True, slots=True)
class PdfReading:
    """One pass over a PDF's bytes, shared by the encryption check and the scan for
    JavaScript and embedded files. `names`: the watched names found (empty: nothing
    to look for), None when the object streams could not be read (the full walk)."""

    data: bytes
    names: frozenset[bytes] | None
    encrypted: bool

    def scan(self) -> PdfScan:
        """JavaScript and embedded files; nothing for an encrypted PDF."""
        return PdfScan() if self.encrypted else _scan(self.data, self.names)


def read_pdf(data: bytes) -> PdfReading:
    names = _watched_names(data)
    return PdfReading(data, names, _is_encrypted(data, names))


def declares_encryption(data: bytes) -> bool:
    """A trailer or xref stream of any revision points at an /Encrypt dictionary."""
    return _ENCRYPT.search(data) is not None


def is_encrypted(data: bytes) -> bool:
    """Encrypted, and not readable with the empty user password."""
    return _is_encrypted(data, _watched_names(data))


def scan_pdf(data: bytes) -> PdfScan:
    """JavaScript and embedded files of a PDF that `is_encrypted` found readable."""
    return _scan(data, _watched_names(data))


def _is_encrypted(data: bytes, names: frozenset[bytes] | None) -> bool:
    # /Encrypt is a key of a trailer or xref stream dictionary, never compressed: a
    # file whose bytes do not name it anywhere has nothing for pypdf to find.
    if names is not None and b"Encrypt" not in names:
        return False
    declared = declares_encryption(data)
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if not (declared or reader.is_encrypted):
            return False
        return not _opens_without_password(reader)
    except _PDF_ERRORS:
        # Damaged beyond pypdf: trust what the bytes declare.
        return declared


def _scan(data: bytes, names: frozenset[bytes] | None) -> PdfScan:
    if names is not None and not names and _pdfium_opens(data):
        return PdfScan()
    return _full_scan(data)


def _full_scan(data: bytes) -> PdfScan:
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not _opens_without_password(reader):
            return PdfScan()
        javascript, files = _active_objects(reader)
    except _PDF_ERRORS as error:
        return PdfScan(unreadable=type(error).__name__)
    return PdfScan(javascript=javascript, files=files)


def _watched_names(data: bytes) -> frozenset[bytes] | None:
    """The watched names in the file and in its object streams; None when an object
    stream could not be decoded (so only the full walk can tell)."""
    found = pdf_names.names_in(data)
    if not found & pdf_names.STRUCTURE or found - pdf_names.STRUCTURE:
        # No compressed objects, or the full walk is due anyway.
        return found
    inside = _object_stream_names(data)
    if inside is None or inside & pdf_names.STRUCTURE:
        # Objects in an object stream are never streams: this is not a plain file.
        return None
    return inside


def _object_stream_names(data: bytes) -> frozenset[bytes] | None:
    """The watched names inside the object streams that the cross-reference points
    at, decoded by pypdf exactly as its walk would decode them (filters, predictors)."""
    found: set[bytes] = set()
    spent = 0
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        numbers = {number for number, _ in reader.xref_objStm.values()}
        if len(numbers) > _MAX_OBJECTS:
            return None
        for number in sorted(numbers):
            stream = reader.get_object(number)
            if not isinstance(stream, StreamObject):
                return None
            decoded = stream.get_data()
            spent += len(decoded)
            if spent > _MAX_OBJSTM_BYTES:
                return None
            found |= pdf_names.names_in(decoded)
    except _PDF_ERRORS:
        return None
    return frozenset(found)


def _pdfium_opens(data: bytes) -> bool:
    """PDFium reads the file's structure (cross-reference, trailer, catalog): a file
    it cannot open is judged by pypdf, whose failure is an unreadable finding."""
    with PDFIUM_LOCK:
        try:
            document = pypdfium2.PdfDocument(data)
        except pypdfium2.PdfiumError:
            return False
        document.close()
    return True


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
