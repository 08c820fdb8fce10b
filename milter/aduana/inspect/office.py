"""Active content in Office documents: VBA and XLM macros (olevba), the files OLE
Package objects carry (oleobj) and the objects RTF documents embed (rtfobj).

A Compound File (OLE2) is a .doc, .xls or .ppt, the vbaProject.bin of a .docm or
.xlsm, or an embedded object (word/embeddings/oleObject1.bin); the pipeline hands
each one here, wherever it sits. Zip-based (OOXML) documents are judged by the names
of their members, which the archive reader already lists.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterable
from dataclasses import dataclass

import olefile
from oletools import oleobj, olevba, rtfobj
from oletools.thirdparty.oledump.plugin_biff import cBIFF

from aduana.inspect.embedded import EmbeddedFile
from aduana.inspect.model import ActiveKind

# Members of an OOXML package that hold macros: the VBA project (Word, Excel,
# PowerPoint, also when renamed by a relationship) and Excel 4 macro sheets (XML in
# .xlsm, BIFF12 in .xlsb), which run without any VBA.
_VBA_MEMBER_SUFFIX = "vbaproject.bin"
_XLM_MEMBER_PREFIXES = ("xl/macrosheets/", "xl/intl-macrosheets/")
_PACKAGE_STREAM = "\x01ole10native"
_MAX_PACKAGES = 20
_MACRO_SHEET = "Excel 4.0 macro sheet"
_READ_ERRORS = (
    OSError,
    ValueError,
    IndexError,
    KeyError,
    TypeError,
    EOFError,
    UnicodeDecodeError,
    struct.error,
    olevba.OlevbaBaseException,
)


@dataclass(frozen=True, slots=True)
class OfficeScan:
    """What one Compound File holds. `unreadable` names the error when olefile or
    olevba could not read it, so its active content is unknown."""

    macros: frozenset[ActiveKind] = frozenset()
    packages: tuple[EmbeddedFile, ...] = ()
    unreadable: str = ""


def ooxml_macros(member_names: Iterable[str]) -> frozenset[ActiveKind]:
    """Macros an OOXML package declares by its members (.docm, .xlsm, .xlsb, .pptm)."""
    found: set[ActiveKind] = set()
    for name in member_names:
        lowered = name.lower()
        if lowered.endswith(_VBA_MEMBER_SUFFIX):
            found.add(ActiveKind.VBA_MACRO)
        if lowered.startswith(_XLM_MEMBER_PREFIXES):
            found.add(ActiveKind.XLM_MACRO)
    return frozenset(found)


def scan_compound_file(data: bytes) -> OfficeScan:
    """Macros (VBA projects, Excel 4 macro sheets) and OLE Package payloads in a CFB."""
    try:
        packages = _ole_packages(data)
        parser = olevba.VBA_Parser("document", data=data, relaxed=True)
    except _READ_ERRORS as error:
        return OfficeScan(unreadable=type(error).__name__)
    try:
        macros: set[ActiveKind] = set()
        if parser.detect_vba_macros():
            macros.add(ActiveKind.VBA_MACRO)
        if _has_macro_sheet(parser.ole_file):
            macros.add(ActiveKind.XLM_MACRO)
    except _READ_ERRORS as error:
        return OfficeScan(packages=packages, unreadable=type(error).__name__)
    finally:
        parser.close()
    return OfficeScan(macros=frozenset(macros), packages=packages)


def rtf_objects(data: bytes) -> OfficeScan:
    """The objects an RTF document embeds (`\\objdata`): the file inside an OLE
    Package, or the embedded OLE document itself (a workbook with macros), each to
    be walked like an attachment."""
    try:
        parser = rtfobj.RtfObjParser(data)
        parser.parse()
    # rtfobj's tokenizer raises a bare RuntimeError on a truncated control word ("{\\").
    except (*_READ_ERRORS, RuntimeError) as error:
        return OfficeScan(unreadable=type(error).__name__)
    found: list[EmbeddedFile] = []
    for obj in parser.objects[:_MAX_PACKAGES]:
        if obj.is_package and obj.olepkgdata:
            name = str(obj.filename or obj.src_path or "").rsplit("\\", 1)[-1]
            found.append(EmbeddedFile(name=name, data=bytes(obj.olepkgdata)))
        elif obj.is_ole and obj.oledata:
            found.append(EmbeddedFile(name="", data=bytes(obj.oledata)))
    return OfficeScan(packages=tuple(found))


def _has_macro_sheet(ole: olefile.OleFileIO[str] | None) -> bool:
    """An Excel 97 workbook that declares an Excel 4 macro sheet (a BOUNDSHEET record
    of type 1), read with oledump's BIFF plugin as olevba does. olevba runs it only
    when the file's class id says Excel, which a sender can blank; this looks at every
    Workbook or Book stream."""
    if ole is None:
        return False
    for stream in ("Workbook", "Book"):
        if ole.exists(stream):
            data = ole.openstream(stream).read()
            sheets = cBIFF(name=[stream], stream=data, options="-o BOUNDSHEET").Analyze()
            if any(_MACRO_SHEET in line for line in sheets):
                return True
    return False


def _ole_packages(data: bytes) -> tuple[EmbeddedFile, ...]:
    """The files inside OLE Package objects (the \\x01Ole10Native stream: a name, a
    source path and the file itself), as Word and Excel embed them."""
    ole: olefile.OleFileIO[str] = olefile.OleFileIO(io.BytesIO(data))
    try:
        found: list[EmbeddedFile] = []
        for path in ole.listdir(streams=True, storages=False):
            if path[-1].lower() != _PACKAGE_STREAM or len(found) >= _MAX_PACKAGES:
                continue
            native = oleobj.OleNativeStream(ole.openstream(path).read())
            if native.is_link or native.data is None:
                continue
            name = str(native.filename or native.src_path or "").rsplit("\\", 1)[-1]
            found.append(EmbeddedFile(name=name, data=bytes(native.data)))
        return tuple(found)
    finally:
        ole.close()
