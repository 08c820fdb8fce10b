"""Bounded text extraction from message parts and attachments.

Every extraction stops at ``TextLimits``: a number of characters, a time
budget measured with an injected clock, and for office documents a cap on the
bytes decompressed from each archive member and from the whole archive, so a
zip bomb costs at most those bytes. Hostile input never raises: a broken,
encrypted or unsupported part comes back as an ``ExtractedText`` with no (or
partial) text and a ``problem``; hitting a limit sets ``truncated`` and
``limit``.

Supported: text/plain (declared charset, else UTF-8, else Windows-1252),
text/html (tags dropped, blocks become lines), the subject (RFC 2047 decoded),
docx, xlsx, pptx and OpenDocument (odt/ods/odp) by streaming their XML, and
the text layer of PDFs (PDFium through pypdfium2, page by page; an encrypted PDF
gives no text unless its user password is empty, since such a PDF opens without a
prompt and the inspection lets it through as readable). The time budget is checked
between chunks and pages, so one pathological PDF page can overrun it by the time
PDFium takes for that page.
"""

from __future__ import annotations

import codecs
import contextlib
import re
import xml.parsers.expat
import zipfile
from dataclasses import dataclass
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.message import Message
from enum import StrEnum
from html.parser import HTMLParser
from time import monotonic

import pypdfium2
import pypdfium2.raw as pdfium_c

from aduana.clock import Clock
from aduana.inspect.budget import Budget
from aduana.inspect.limits import InspectionLimits
from aduana.inspect.pdf import PDFIUM_LOCK
from aduana.inspect.zip_reader import ZIP_ERRORS, is_encrypted, member_chunks, open_member, open_zip


class SourceKind(StrEnum):
    PLAIN = "plain"
    HTML = "html"
    SUBJECT = "subject"
    DOCX = "docx"
    XLSX = "xlsx"
    PPTX = "pptx"
    OPENDOCUMENT = "opendocument"
    PDF = "pdf"
    UNSUPPORTED = "unsupported"


class Limit(StrEnum):
    CHARS = "chars"
    MEMBER_BYTES = "member-bytes"
    TOTAL_BYTES = "total-bytes"
    MEMBERS = "members"
    PAGES = "pages"
    TIME = "time"


class TextProblem(StrEnum):
    """Why a part gave no text (or only some). Not a finding about the message: the
    inspection reports those (`inspect.model.ProblemKind`, `EncryptionKind`)."""

    UNSUPPORTED = "unsupported"
    ENCRYPTED = "encrypted"
    MALFORMED = "malformed"


@dataclass(frozen=True)
class TextLimits:
    max_chars: int = 200_000
    max_seconds: float = 2.0
    max_member_bytes: int = 16 * 1024 * 1024
    max_total_bytes: int = 64 * 1024 * 1024
    max_members: int = 256
    max_pdf_pages: int = 100


@dataclass(frozen=True)
class ExtractedText:
    text: str
    source: SourceKind
    truncated: bool = False
    limit: Limit | None = None
    problem: TextProblem | None = None


_CHUNK = 64 * 1024


class _BudgetSpentError(Exception):
    """Raised inside parser callbacks to stop parsing once a limit is reached."""


class _DoctypeError(Exception):
    """An XML member declares a DTD, which office documents never need."""


class _TextSink:
    """The text of one extraction, kept up to `max_chars`, and the one `Budget`
    (inspect/budget.py) whose clock says when the extraction's time is spent; the
    first limit reached is the one reported."""

    def __init__(self, limits: TextLimits, clock: Clock) -> None:
        self.max_chars = limits.max_chars
        self.budget = Budget.start(InspectionLimits(time_budget=limits.max_seconds), clock)
        self.parts: list[str] = []
        self.size = 0
        self.limit: Limit | None = None

    def add(self, text: str) -> None:
        room = self.max_chars - self.size
        full = len(text) > room
        if full:
            text = text[:room]
            self.stop(Limit.CHARS)
        self.parts.append(text)
        self.size += len(text)
        if full:
            raise _BudgetSpentError

    def check_time(self) -> None:
        if self.budget.out_of_time("text"):
            self.stop(Limit.TIME)
            raise _BudgetSpentError

    def stop(self, limit: Limit) -> None:
        self.limit = self.limit or limit

    def result(self, source: SourceKind, problem: TextProblem | None = None) -> ExtractedText:
        return ExtractedText(
            "".join(self.parts), source, self.limit is not None, self.limit, problem
        )


# --- public entry points -------------------------------------------------------


def extract_text(
    content_type: str, data: bytes, limits: TextLimits, *, clock: Clock = monotonic
) -> ExtractedText:
    """Text of one part, given its (true) content type with parameters."""
    message = Message()
    message["Content-Type"] = content_type
    mime = message.get_content_type()
    charset = message.get_content_charset()
    budget = _TextSink(limits, clock)
    if mime == "text/html":
        return _html(data, charset, budget)
    if mime.startswith("text/"):
        return _plain(data, charset, budget)
    if mime == "application/pdf":
        return _pdf(data, limits, budget)
    kind = _OFFICE_TYPES.get(mime)
    if kind is None and mime in _ZIP_TYPES:
        kind = _sniff_zip(data)
    if kind is not None:
        return _office(kind, data, limits, budget)
    return ExtractedText("", SourceKind.UNSUPPORTED, problem=TextProblem.UNSUPPORTED)


def extract_subject(subject: str, limits: TextLimits) -> ExtractedText:
    """The subject as text, with RFC 2047 encoded words decoded."""
    text = subject
    if "=?" in subject:
        try:
            text = str(make_header(decode_header(subject)))
        except (HeaderParseError, LookupError, UnicodeDecodeError):
            text = subject
    text = " ".join(text.split())
    if len(text) > limits.max_chars:
        return ExtractedText(text[: limits.max_chars], SourceKind.SUBJECT, True, Limit.CHARS)
    return ExtractedText(text, SourceKind.SUBJECT)


# --- plain text and HTML -------------------------------------------------------


def _decode(data: bytes, charset: str | None, max_chars: int) -> str:
    head = data[: max_chars * 4]
    if charset is not None:
        try:
            return codecs.getincrementaldecoder(charset)("replace").decode(head)
        except LookupError:
            pass
    try:
        return codecs.getincrementaldecoder("utf-8")("strict").decode(head)
    except UnicodeDecodeError:
        return head.decode("cp1252", "replace")


def _plain(data: bytes, charset: str | None, budget: _TextSink) -> ExtractedText:
    if len(data) > budget.max_chars * 4:
        budget.stop(Limit.CHARS)
    with contextlib.suppress(_BudgetSpentError):
        budget.add(_decode(data, charset, budget.max_chars))
    return budget.result(SourceKind.PLAIN)


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


class _HtmlText(HTMLParser):
    _SKIP = frozenset({"script", "style", "template"})
    _BLOCK = frozenset(
        {"p", "div", "br", "li", "ul", "ol", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6"}
        | {"section", "article", "header", "footer", "blockquote", "pre", "hr", "address"}
        | {"title", "dd", "dt"}
    )

    def __init__(self, budget: _TextSink) -> None:
        super().__init__(convert_charrefs=True)
        self.budget = budget
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self.skipping += 1
        elif tag in self._BLOCK:
            self.budget.add("\n")
        elif tag in {"td", "th"}:
            self.budget.add("\t")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self._BLOCK:
            self.budget.add("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.budget.add(data)


def _html(data: bytes, charset: str | None, budget: _TextSink) -> ExtractedText:
    if charset is None:
        found = _META_CHARSET.search(data[:2048])
        charset = found.group(1).decode("ascii") if found else None
    # Markup is longer than its text, so allow more input than max_chars.
    if len(data) > budget.max_chars * 16:
        budget.stop(Limit.CHARS)
    markup = _decode(data, charset, budget.max_chars * 4)
    parser = _HtmlText(budget)
    try:
        for start in range(0, len(markup), _CHUNK):
            budget.check_time()
            parser.feed(markup[start : start + _CHUNK])
        parser.close()
    except _BudgetSpentError:
        pass
    return budget.result(SourceKind.HTML)


# --- office documents (zip + XML) ----------------------------------------------

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main "
_A = "http://schemas.openxmlformats.org/drawingml/2006/main "
_S = "http://schemas.openxmlformats.org/spreadsheetml/2006/main "
_T = "urn:oasis:names:tc:opendocument:xmlns:text:1.0 "


@dataclass(frozen=True)
class _XmlSpec:
    text: frozenset[str]  # character data inside these elements is text
    blocks: frozenset[str]  # a newline after each of these
    breaks: tuple[tuple[str, str], ...]  # empty elements that stand for a character


_SPECS = {
    SourceKind.DOCX: _XmlSpec(
        frozenset({_W + "t"}),
        frozenset({_W + "p"}),
        ((_W + "tab", "\t"), (_W + "br", "\n"), (_W + "cr", "\n")),
    ),
    SourceKind.PPTX: _XmlSpec(frozenset({_A + "t"}), frozenset({_A + "p"}), ((_A + "br", "\n"),)),
    SourceKind.XLSX: _XmlSpec(frozenset({_S + "t"}), frozenset({_S + "si", _S + "is"}), ()),
    SourceKind.OPENDOCUMENT: _XmlSpec(
        frozenset({_T + "p", _T + "h"}),
        frozenset({_T + "p", _T + "h"}),
        ((_T + "tab", "\t"), (_T + "s", " "), (_T + "line-break", "\n")),
    ),
}

_OFFICE_TYPES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": SourceKind.DOCX,
    "application/vnd.ms-word.document.macroenabled.12": SourceKind.DOCX,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": SourceKind.XLSX,
    "application/vnd.ms-excel.sheet.macroenabled.12": SourceKind.XLSX,
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": SourceKind.PPTX,
    "application/vnd.ms-powerpoint.presentation.macroenabled.12": SourceKind.PPTX,
    "application/vnd.oasis.opendocument.text": SourceKind.OPENDOCUMENT,
    "application/vnd.oasis.opendocument.spreadsheet": SourceKind.OPENDOCUMENT,
    "application/vnd.oasis.opendocument.presentation": SourceKind.OPENDOCUMENT,
}
_ZIP_TYPES = frozenset(
    {"application/zip", "application/x-zip-compressed", "application/octet-stream"}
)
_NUMBERED = re.compile(r"(\d+)\.xml$")

# What the zip reader and expat raise on corrupt input.
_ARCHIVE_ERRORS: tuple[type[Exception], ...] = (*ZIP_ERRORS, xml.parsers.expat.ExpatError)


def _sniff_zip(data: bytes) -> SourceKind | None:
    if not data.startswith(b"PK"):
        return None
    try:
        with open_zip(data) as archive:
            names = set(archive.namelist())
    except _ARCHIVE_ERRORS:
        return None
    if "word/document.xml" in names:
        return SourceKind.DOCX
    if "xl/workbook.xml" in names:
        return SourceKind.XLSX
    if "ppt/presentation.xml" in names:
        return SourceKind.PPTX
    if "content.xml" in names and "mimetype" in names:
        return SourceKind.OPENDOCUMENT
    return None


def _members(kind: SourceKind, names: list[str]) -> list[str]:
    def numbered(pattern: str) -> list[str]:
        found = [n for n in names if re.fullmatch(pattern, n)]
        return sorted(
            found, key=lambda n: (int(m.group(1)) if (m := _NUMBERED.search(n)) else 0, n)
        )

    if kind is SourceKind.DOCX:
        return [
            "word/document.xml",
            *numbered(r"word/header\d*\.xml"),
            *numbered(r"word/footer\d*\.xml"),
            *[n for n in ("word/footnotes.xml", "word/endnotes.xml") if n in names],
        ]
    if kind is SourceKind.PPTX:
        return numbered(r"ppt/slides/slide\d+\.xml")
    if kind is SourceKind.XLSX:
        shared = ["xl/sharedStrings.xml"] if "xl/sharedStrings.xml" in names else []
        return [*shared, *numbered(r"xl/worksheets/sheet\d+\.xml")]
    return ["content.xml", *(["styles.xml"] if "styles.xml" in names else [])]


def _office(kind: SourceKind, data: bytes, limits: TextLimits, budget: _TextSink) -> ExtractedText:
    spec = _SPECS[kind]
    total = 0
    try:
        with open_zip(data) as archive:
            infos = {info.filename: info for info in archive.infolist()}
            wanted = [n for n in _members(kind, list(infos)) if n in infos]
            if not wanted:
                return budget.result(kind, TextProblem.MALFORMED)
            if len(wanted) > limits.max_members:
                wanted = wanted[: limits.max_members]
                budget.stop(Limit.MEMBERS)
            for name in wanted:
                info = infos[name]
                if is_encrypted(info):
                    return budget.result(kind, TextProblem.ENCRYPTED)
                remaining = limits.max_total_bytes - total
                if remaining <= 0:
                    budget.stop(Limit.TOTAL_BYTES)
                    break
                if limits.max_member_bytes < remaining:
                    cap = (limits.max_member_bytes, Limit.MEMBER_BYTES)
                else:
                    cap = (remaining, Limit.TOTAL_BYTES)
                total += _parse_member(archive, info, spec, cap, budget)
    except _BudgetSpentError:
        pass
    except _DoctypeError:
        return budget.result(kind, TextProblem.MALFORMED)
    except _ARCHIVE_ERRORS:
        return budget.result(kind, TextProblem.MALFORMED)
    return budget.result(kind)


def _parse_member(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    spec: _XmlSpec,
    cap: tuple[int, Limit],
    budget: _TextSink,
) -> int:
    """Stream one XML member into the budget; returns the bytes decompressed."""
    allowance, limit = cap
    parser = _xml_parser(spec, budget)
    read = 0
    with open_member(archive, info) as stream:
        for chunk in member_chunks(stream, allowance):
            budget.check_time()
            read += len(chunk)
            parser.Parse(chunk, False)
        if read >= allowance and stream.read(1):
            budget.stop(limit)
            return read
    parser.Parse(b"", True)
    return read


def _xml_parser(spec: _XmlSpec, budget: _TextSink) -> xml.parsers.expat.XMLParserType:
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    depth = 0
    breaks = dict(spec.breaks)

    def start(name: str, _attrs: dict[str, str]) -> None:
        nonlocal depth
        if name in spec.text:
            depth += 1
        elif name in breaks:
            budget.add(breaks[name])

    def end(name: str) -> None:
        nonlocal depth
        if name in spec.text:
            depth -= 1
        if name in spec.blocks:
            budget.add("\n")

    def data(text: str) -> None:
        if depth > 0:
            budget.add(text)

    def refuse(*_args: object) -> None:
        raise _DoctypeError

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = data
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    return parser


# --- PDF ------------------------------------------------------------------------

# PDFium is not thread-safe: one PDF at a time per process, under the lock the
# inspection's PDF reader (inspect/pdf.py) takes too.
_PDFIUM_LOCK = PDFIUM_LOCK


def _pdf(data: bytes, limits: TextLimits, budget: _TextSink) -> ExtractedText:
    with _PDFIUM_LOCK:
        try:
            # An empty user password opens without a prompt: the inspection lets such a
            # PDF through as readable, so its text must reach the content and DLP rules.
            document = pypdfium2.PdfDocument(data)
        except pypdfium2.PdfiumError as error:
            if error.err_code == pdfium_c.FPDF_ERR_PASSWORD:
                return budget.result(SourceKind.PDF, TextProblem.ENCRYPTED)
            return budget.result(SourceKind.PDF, TextProblem.MALFORMED)
        try:
            _pdf_pages(document, limits, budget)
        except _BudgetSpentError:
            pass
        except pypdfium2.PdfiumError:
            return budget.result(SourceKind.PDF, TextProblem.MALFORMED)
        finally:
            document.close()
    return budget.result(SourceKind.PDF)


def _pdf_pages(document: pypdfium2.PdfDocument, limits: TextLimits, budget: _TextSink) -> None:
    for number in range(len(document)):
        if number >= limits.max_pdf_pages:
            budget.stop(Limit.PAGES)
            return
        budget.check_time()
        page = document[number]
        try:
            text_page = page.get_textpage()
            try:
                text = text_page.get_text_range()
            finally:
                text_page.close()
        finally:
            page.close()
        budget.add(text.replace("\r\n", "\n") + "\n")
