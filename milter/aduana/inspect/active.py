"""Active content in one piece of content: macros, OLE packages, objects embedded in
RTF, PDF JavaScript and embedded files, scripts that libmagic calls text, HTML
smuggling.

The pipeline calls `scan` once per part; findings become `ActiveFinding`s, embedded
files are walked like archive members, and a text part found to be a script gets
the script category.
"""

from __future__ import annotations

from dataclasses import dataclass

from aduana.inspect import office, pdf, scripts, smuggling
from aduana.inspect.budget import Content
from aduana.inspect.embedded import EmbeddedFile
from aduana.inspect.encryption import CFB_MAGIC
from aduana.inspect.model import ActiveKind, Category
from aduana.inspect.names import extension_of

_RTF_TYPES = frozenset({"text/rtf", "application/rtf"})


@dataclass(frozen=True, slots=True)
class ActiveScan:
    mime: str
    category: Category
    findings: tuple[tuple[ActiveKind, str], ...] = ()
    embedded: tuple[EmbeddedFile, ...] = ()


def scan(
    content: Content,
    mime: str,
    category: Category,
    names: tuple[str, ...],
    *,
    attachment: bool,
    encrypted: bool,
    cap: int,
    pdf_reading: pdf.PdfReading | None = None,
) -> ActiveScan:
    """`attachment`: a file the recipient would save or open, not the text of the
    mail itself (code quoted in a message body is not a script file). `encrypted`:
    the part cannot be read, which is a finding of its own. `cap`: the largest
    document read whole. `pdf_reading`: the encryption check's pass over a PDF."""
    if encrypted:
        return ActiveScan(mime, category)
    # A Windows Installer is a Compound File too, and already an executable.
    if (
        content.body is not None
        and content.head.startswith(CFB_MAGIC)
        and category is not Category.EXECUTABLE
    ):
        return _compound_file(content, mime, category, cap)
    if content.body is not None and mime in _RTF_TYPES:
        return _rtf(content, mime, category, cap)
    if content.body is not None and mime == "application/pdf":
        return _pdf(content, mime, category, cap, pdf_reading)
    if _is_html(mime, names):
        data = content.read_all(cap) if content.body is not None else content.head
        if smuggling.is_smuggling(data or content.head):
            return ActiveScan(mime, category, ((ActiveKind.HTML_SMUGGLING, ""),))
    if category is Category.TEXT and attachment:
        kind = scripts.script_kind(content.head)
        if kind is not None:
            return ActiveScan(kind.value, Category.SCRIPT)
    return ActiveScan(mime, category)


def _compound_file(content: Content, mime: str, category: Category, cap: int) -> ActiveScan:
    data = content.read_all(cap)
    if data is None:
        return ActiveScan(mime, category)
    found = office.scan_compound_file(data)
    findings = [(kind, "") for kind in sorted(found.macros)]
    if found.unreadable:
        findings.append((ActiveKind.UNCHECKED, found.unreadable))
    return ActiveScan(mime, category, tuple(findings), found.packages)


def _rtf(content: Content, mime: str, category: Category, cap: int) -> ActiveScan:
    data = content.read_all(cap)
    if data is None:
        return ActiveScan(mime, category)
    found = office.rtf_objects(data)
    findings = ((ActiveKind.UNCHECKED, found.unreadable),) if found.unreadable else ()
    return ActiveScan(mime, category, findings, found.packages)


def _pdf(
    content: Content, mime: str, category: Category, cap: int, reading: pdf.PdfReading | None
) -> ActiveScan:
    if content.size > cap:
        return ActiveScan(mime, category)
    if reading is None:
        data = content.read_all(cap)
        if data is None:
            return ActiveScan(mime, category)
        reading = pdf.read_pdf(data)
    found = reading.scan()
    findings: list[tuple[ActiveKind, str]] = []
    if found.javascript:
        findings.append((ActiveKind.PDF_JAVASCRIPT, ""))
    if found.unreadable:
        findings.append((ActiveKind.UNCHECKED, found.unreadable))
    return ActiveScan(mime, category, tuple(findings), found.files)


def _is_html(mime: str, names: tuple[str, ...]) -> bool:
    return mime in smuggling.HTML_TYPES or any(
        extension_of(n) in smuggling.HTML_EXTENSIONS for n in names
    )
