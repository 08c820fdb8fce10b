"""Harmless documents with active content, built by the suite (nothing binary is committed).

Macros are VBA project structures (the PROJECT, VBA/_VBA_PROJECT and VBA/dir streams
olevba looks for) with no code that runs; the "executables" in OLE packages and PDF
attachments are the inert PE header of `blobs.pe_exe`. Compound Files (OLE2) are
written by `compound_file`, a small writer olefile reads; PDFs by pypdf.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pypdf
from pypdf.actions import JavaScript
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

from tests.corpus import blobs

Tree = dict[str, "bytes | Tree"]
_SECTOR = 512
_END, _FREE, _FAT, _NONE = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF


def compound_file(tree: Tree) -> bytes:
    """A Compound File (OLE2, version 3) holding `tree`: a dict is a storage, bytes a
    stream. Streams are padded to 4096 bytes so they live in ordinary sectors (no
    mini stream). Siblings are chained through their right pointers."""
    entries: list[dict[str, object]] = [{"name": "Root Entry", "kind": 5, "child": _NONE}]
    streams: list[tuple[int, bytes]] = []

    def add(children: Tree) -> int:
        first = _NONE
        previous: dict[str, object] | None = None
        for name, value in children.items():
            index = len(entries)
            entry: dict[str, object] = {"name": name, "right": _NONE, "child": _NONE}
            entries.append(entry)
            if isinstance(value, dict):
                entry["kind"] = 1
                entry["child"] = add(value)
            else:
                entry["kind"] = 2
                streams.append((index, value.ljust(4096, b"\x00")))
            if previous is None:
                first = index
            else:
                previous["right"] = index
            previous = entry
        return first

    entries[0]["child"] = add(tree)
    dir_sectors = -(-len(entries) // 4)
    data_sectors = sum(len(body) // _SECTOR for _, body in streams)
    fat_sectors = 1
    while fat_sectors * (_SECTOR // 4) < fat_sectors + dir_sectors + data_sectors:
        fat_sectors += 1
    fat = [_FAT] * fat_sectors
    dir_start = len(fat)
    fat.extend(range(dir_start + 1, dir_start + dir_sectors))
    fat.append(_END)
    starts: dict[int, tuple[int, int]] = {}
    for index, body in streams:
        count = len(body) // _SECTOR
        start = len(fat)
        starts[index] = (start, len(body))
        fat.extend(range(start + 1, start + count))
        fat.append(_END)
    fat.extend([_FREE] * (fat_sectors * (_SECTOR // 4) - len(fat)))
    difat = list(range(fat_sectors)) + [_FREE] * (109 - fat_sectors)
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16
    header += struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\x00" * 6
    header += struct.pack("<IIIIIIIII", 0, fat_sectors, dir_start, 0, 4096, _END, 0, _END, 0)
    header += struct.pack("<109I", *difat)
    directory = _directory(entries, starts, dir_sectors)
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat)
    return header + fat_bytes + directory + b"".join(body for _, body in streams)


def _directory(
    entries: list[dict[str, object]], starts: dict[int, tuple[int, int]], sectors: int
) -> bytes:
    directory = b""
    for index, entry in enumerate(entries):
        name = str(entry["name"])
        encoded = (name + "\x00").encode("utf-16-le")
        start, size = starts.get(index, (_END, 0))
        directory += (
            encoded.ljust(64, b"\x00")
            + struct.pack("<HBB", len(encoded), entry["kind"], 1)
            + struct.pack("<III", _NONE, entry.get("right", _NONE), entry["child"])
            + b"\x00" * 36
            + struct.pack("<IQ", start, size)
        )
    empty = b"\x00" * 64 + struct.pack("<HBB", 0, 0, 0) + struct.pack("<III", *[_NONE] * 3)
    empty += b"\x00" * 36 + struct.pack("<IQ", 0, 0)
    while len(directory) < sectors * _SECTOR:
        directory += empty
    return directory


def vba_project() -> Tree:
    """The storages of a VBA project: what olevba needs to see macros (no code runs)."""
    return {
        "PROJECT": b'ID="{00000000-0000-0000-0000-000000000000}"\r\nModule=Module1\r\n',
        "VBA": {
            "_VBA_PROJECT": b"\xcc\x61\xff\xff\x00\x00\x00",
            "dir": b"\x01\x00\x00",
            "Module1": b'\x00Attribut\x00e VB_Name = "Module1"',
        },
    }


def vba_project_bin() -> bytes:
    return compound_file(vba_project())


def legacy_doc_with_macros() -> bytes:
    """A Word 97 file whose Macros storage holds a VBA project."""
    fib = struct.pack("<HHHHHH", 0xA5EC, 0xC1, 0, 0x0409, 0, 0)
    return compound_file({"WordDocument": fib + b"\x00" * 500, "Macros": vba_project()})


def _biff(record: int, body: bytes) -> bytes:
    return struct.pack("<HH", record, len(body)) + body


def xls_with_xlm() -> bytes:
    """An Excel 97 workbook whose BOUNDSHEET declares an Excel 4 macro sheet."""
    bof = _biff(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0))
    name = b"Macro1"
    sheet = _biff(0x0085, struct.pack("<IBBBB", 0, 0, 1, len(name), 0) + name)
    eof = _biff(0x000A, b"")
    return compound_file({"Workbook": bof + sheet + eof})


def xls_plain() -> bytes:
    bof = _biff(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0))
    name = b"Hoja1"
    sheet = _biff(0x0085, struct.pack("<IBBBB", 0, 0, 0, len(name), 0) + name)
    return compound_file({"Workbook": bof + sheet + _biff(0x000A, b"")})


def ole_package(name: str, data: bytes) -> bytes:
    """An OLE Package object (what Word embeds for a dragged-in file): the
    \\x01Ole10Native stream holds the file's name, paths and bytes."""
    encoded = name.encode("latin-1") + b"\x00"
    path = b"C:\\Users\\x\\" + encoded
    body = struct.pack("<H", 2) + encoded + path + struct.pack("<II", 0x00030000, 0)
    body += path + struct.pack("<I", len(data)) + data
    native = struct.pack("<I", len(body)) + body
    return compound_file({"\x01Ole10Native": native, "\x01CompObj": b"\x01\x00\xfe\xff"})


def rtf_with_package(name: str, data: bytes) -> bytes:
    """An RTF document with an embedded OLE 1.0 Package object (\\objdata, in hex)."""
    encoded = name.encode("latin-1") + b"\x00"
    path = b"C:\\Users\\x\\" + encoded
    native = struct.pack("<H", 2) + encoded + path + struct.pack("<II", 0x00030000, 0)
    native += path + struct.pack("<I", len(data)) + data
    klass = b"Package\x00"
    ole1 = struct.pack("<II", 0x00000501, 2) + struct.pack("<I", len(klass)) + klass
    ole1 += struct.pack("<II", 0, 0) + struct.pack("<I", len(native)) + native
    return (
        b"{\\rtf1\\ansi{\\fonttbl{\\f0 Arial;}}\\f0 Oficio de prueba.\\par"
        b"{\\object\\objemb{\\*\\objclass Package}{\\*\\objdata " + ole1.hex().encode() + b"}}}"
    )


def _content_types(*overrides: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
        + "".join(overrides)
        + "</Types>"
    )


def docm() -> bytes:
    """A Word document with macros: word/vbaProject.bin beside word/document.xml."""
    return blobs.zip_of(
        {
            "[Content_Types].xml": _content_types(
                '<Override PartName="/word/document.xml" ContentType="application/vnd.ms-word.'
                'document.macroEnabled.main+xml"/>'
            ).encode(),
            "word/document.xml": b"<w:document><w:body><w:p/></w:body></w:document>",
            "word/vbaProject.bin": vba_project_bin(),
        }
    )


def docx_with_package(name: str, data: bytes) -> bytes:
    """A .docx (no macros) with an embedded OLE Package object carrying a file."""
    return blobs.zip_of(
        {
            "[Content_Types].xml": _content_types().encode(),
            "word/document.xml": b"<w:document><w:body><w:p/></w:body></w:document>",
            "word/embeddings/oleObject1.bin": ole_package(name, data),
        }
    )


def xlsx(*, xlm: bool = False) -> bytes:
    """An Excel workbook; with `xlm`, an Excel 4 macro sheet (.xlsm) and no VBA."""
    members = {
        "[Content_Types].xml": _content_types().encode(),
        "xl/workbook.xml": b"<workbook><sheets><sheet name='Hoja1'/></sheets></workbook>",
        "xl/worksheets/sheet1.xml": b"<worksheet><sheetData/></worksheet>",
    }
    if xlm:
        members["xl/macrosheets/sheet1.xml"] = b"<xm:macrosheet><sheetData/></xm:macrosheet>"
    return blobs.zip_of(members)


def odt(*, encrypted: bool = False) -> bytes:
    """An OpenDocument text; with `encrypted`, the manifest declares encryption data
    for content.xml, as LibreOffice writes for "Save with password"."""
    encryption = (
        '<manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="x">'
        '<manifest:algorithm manifest:algorithm-name="Blowfish CFB" '
        'manifest:initialisation-vector="x"/></manifest:encryption-data>'
        if encrypted
        else ""
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:'
        'names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.text"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">'
        + encryption
        + "</manifest:file-entry></manifest:manifest>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", b"\x93\x11" * 64 if encrypted else b"<office:text/>")
        archive.writestr("META-INF/manifest.xml", manifest)
    return out.getvalue()


def office_irm() -> bytes:
    """A rights-managed (IRM/DRM) Office file: the package encrypted to the rights
    server, with the DRM data space declared under \\x06DataSpaces."""
    return compound_file(
        {
            "\x06DataSpaces": {
                "DataSpaceMap": b"\x08\x00\x00\x00\x01\x00\x00\x00",
                "DataSpaceInfo": {"DRMEncryptedDataSpace": b"\x08\x00\x00\x00\x01\x00\x00\x00"},
                "TransformInfo": {"DRMEncryptedTransform": {"\x06Primary": b"\x00" * 16}},
            },
            "EncryptedPackage": struct.pack("<Q", 1000) + bytes(range(256)) * 4,
        }
    )


def _writer_with_page() -> pypdf.PdfWriter:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(200, 200)
    return writer


def _pdf_bytes(writer: pypdf.PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_with_attachment(name: str, data: bytes) -> bytes:
    writer = _writer_with_page()
    writer.add_attachment(name, data)
    return _pdf_bytes(writer)


def pdf_with_javascript() -> bytes:
    writer = _writer_with_page()
    writer.add_open_action(JavaScript("app.alert('hola');"))
    return _pdf_bytes(writer)


def pdf_with_escaped_open_action() -> bytes:
    """JavaScript in an /OpenAction whose names are written with #xx escapes, which a
    byte search for "/JavaScript" misses but every reader decodes."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /J#61vaScript /J#53 (1) >> >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    return blobs.pdf_file(objects)


def pdf_encrypted(user_password: str, algorithm: str) -> bytes:
    writer = _writer_with_page()
    writer.encrypt(user_password=user_password, owner_password="propietario", algorithm=algorithm)
    return _pdf_bytes(writer)


def pdf_encrypted_in_update() -> bytes:
    """A plain PDF followed by an incremental update whose trailer adds /Encrypt: the
    latest revision is what a reader opens."""
    base = blobs.pdf()
    xref = base.rindex(b"startxref")
    update = (
        b"4 0 obj\n<< /Filter /Standard /V 2 /R 3 /Length 128 /P -4 /O <00> /U <00> >>\nendobj\n"
    )
    offset = len(base)
    table = b"xref\n4 1\n%010d 00000 n \n" % offset
    trailer = b"trailer\n<< /Size 5 /Root 1 0 R /Prev %d /Encrypt 4 0 R /ID [<00><00>] >>\n" % (
        int(base[xref + 10 :].split()[0])
    )
    start = offset + len(update)
    return base + update + table + trailer + b"startxref\n%d\n%%%%EOF\n" % start


def pdf_with_annotation_attachment(name: str, data: bytes) -> bytes:
    """A file attached through a page annotation (not the EmbeddedFiles name tree)."""
    writer = _writer_with_page()
    payload = pypdf.generic.DecodedStreamObject()
    payload.set_data(data)
    payload[NameObject("/Type")] = NameObject("/EmbeddedFile")
    # pypdf has no public call to add an indirect object.
    stream = writer._add_object(payload)
    spec = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Filespec"),
            NameObject("/F"): TextStringObject(name),
            NameObject("/EF"): DictionaryObject({NameObject("/F"): stream}),
        }
    )
    annotation = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/FileAttachment"),
            NameObject("/Rect"): ArrayObject([pypdf.generic.NumberObject(0)] * 4),
            NameObject("/FS"): spec,
        }
    )
    writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(annotation)])
    return _pdf_bytes(writer)


def chm() -> bytes:
    """The ITSF header of a compiled HTML help file, and nothing behind it."""
    return b"ITSF\x03\x00\x00\x00\x60\x00\x00\x00\x01\x00\x00\x00" + b"\x00" * 200


def pdf_with_object_streams(
    plain: dict[int, bytes],
    packed: dict[int, bytes],
    *,
    xref_extra: bytes = b"",
    stream_filter: bytes = b"/Filter /FlateDecode",
) -> bytes:
    """A PDF 1.5 whose `packed` objects sit in one compressed object stream, found
    through a cross-reference stream (no xref table, no `trailer` keyword), as
    Acrobat and Word write them. Object 1 is the catalog; `xref_extra` goes into the
    cross-reference stream's dictionary (the trailer's keys, /Encrypt for one).
    `stream_filter` is the object stream's /Filter entry, with the matching encoding
    for /FlateDecode and [/ASCIIHexDecode /FlateDecode]."""
    numbers = sorted(packed)
    bodies = [packed[n] for n in numbers]
    offsets, pos = [], 0
    for body in bodies:
        offsets.append(pos)
        pos += len(body) + 1
    header = b" ".join(b"%d %d" % (n, o) for n, o in zip(numbers, offsets, strict=True)) + b" "
    contents = header + b"\n".join(bodies) + b"\n"
    encoded = zlib.compress(contents)
    if b"ASCIIHex" in stream_filter:
        encoded = encoded.hex().encode() + b">"
    objstm = max([*plain, *packed]) + 1
    xref_number = objstm + 1
    out = io.BytesIO()
    out.write(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    located: dict[int, tuple[int, int, int]] = {}
    for number in sorted(plain):
        located[number] = (1, out.tell(), 0)
        out.write(b"%d 0 obj\n" % number + plain[number] + b"\nendobj\n")
    located[objstm] = (1, out.tell(), 0)
    out.write(
        b"%d 0 obj\n<< /Type /ObjStm /N %d /First %d %s /Length %d >>\nstream\n"
        % (objstm, len(numbers), len(header), stream_filter, len(encoded))
        + encoded
        + b"\nendstream\nendobj\n"
    )
    for index, number in enumerate(numbers):
        located[number] = (2, objstm, index)
    located[xref_number] = (1, out.tell(), 0)
    size = xref_number + 1
    rows = [b"\x00\x00\x00\x00\x00\xff\xff"]
    for number in range(1, size):
        kind, field2, field3 = located.get(number, (0, 0, 0))
        rows.append(struct.pack(">BIH", kind, field2, field3))
    table = b"".join(rows)
    start = out.tell()
    out.write(
        b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R%s /Length %d >>\nstream\n"
        % (xref_number, size, xref_extra, len(table))
        + table
        + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % start
    )
    return out.getvalue()


_PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
_PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"


def pdf_packed_plain() -> bytes:
    """Catalog and pages inside an object stream, nothing active."""
    return pdf_with_object_streams(
        {}, {1: b"<< /Type /Catalog /Pages 2 0 R >>", 2: _PAGES, 3: _PAGE}
    )


def pdf_packed_javascript(*, escaped: bool = False, stream_filter: bytes = b"") -> bytes:
    """An /OpenAction JavaScript whose action dictionary sits in an object stream, so
    not one byte of the file names it; `escaped` writes its names in #xx escapes."""
    action = (
        b"<< /S /J#61vaScript /J#53 (app.alert(1)) >>"
        if escaped
        else (b"<< /S /JavaScript /JS (app.alert(1)) >>")
    )
    packed = {1: b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>", 2: _PAGES, 4: action}
    if stream_filter:
        return pdf_with_object_streams({3: _PAGE}, packed, stream_filter=stream_filter)
    return pdf_with_object_streams({3: _PAGE}, packed)


def pdf_packed_annotation_attachment(name: str, data: bytes) -> bytes:
    """A FileAttachment annotation whose file specification is packed in an object
    stream with #xx-escaped keys; the file's own stream is outside (streams cannot be
    packed) and flate-compressed, so only the object stream names /EF."""
    payload = zlib.compress(data)
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Annots [4 0 R] >>"
    packed = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: _PAGES,
        3: page,
        4: b"<< /Type /Annot /Subtype /FileAttachment /Rect [0 0 10 10] /FS 5 0 R >>",
        5: b"<< /Type /Filespec /F (%s) /#45F << /F 6 0 R >> >>" % name.encode(),
    }
    stream = (
        b"<< /Type /EmbeddedFile /Filter /FlateDecode /Length %d >>\nstream\n" % len(payload)
        + payload
        + b"\nendstream"
    )
    return pdf_with_object_streams({6: stream}, packed)


def pdf_encrypted_xref_stream(*, escaped: bool = False) -> bytes:
    """Encrypted (a password is needed), declared only in a cross-reference stream's
    dictionary; `escaped` spells the key /Encr#79pt."""
    key = b"/Encr#79pt" if escaped else b"/Encrypt"
    encrypt = b"<< /Filter /Standard /V 2 /R 3 /Length 128 /P -4 /O <00> /U <00> >>"
    plain = {1: b"<< /Type /Catalog /Pages 2 0 R >>", 2: _PAGES, 3: _PAGE, 4: encrypt}
    return pdf_with_object_streams(
        plain, {5: b"<< /Producer (x) >>"}, xref_extra=b" " + key + b" 4 0 R /ID [<00><00>]"
    )


def pdf_damaged() -> bytes:
    """A PDF header, then bytes that are no PDF structure at all."""
    return b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)) * 8 + b"\n%%EOF\n"


def pdf_packed_javascript_behind_predictor() -> bytes:
    """The object stream is Flate with a PNG predictor: plain inflating leaves a
    filter-type byte at the start of every 8-byte row, inside "/JavaScript", so
    only a reader that applies the predictor (every PDF reader) sees the name."""
    packed = {
        1: b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
        2: _PAGES,
        4: b"<< /S /JavaScript /JS (app.alert(1)) >>",
    }
    numbers = sorted(packed)
    bodies = [packed[n] for n in numbers]
    offsets, pos = [], 0
    for body in bodies:
        offsets.append(pos)
        pos += len(body) + 1
    header = b" ".join(b"%d %d" % (n, o) for n, o in zip(numbers, offsets, strict=True)) + b" "
    contents = header + b"\n".join(bodies) + b"\n"
    contents += b" " * (-len(contents) % 8)
    rows = b"".join(b"\x00" + contents[i : i + 8] for i in range(0, len(contents), 8))
    plain = pdf_with_object_streams(
        {3: _PAGE},
        packed,
        stream_filter=b"/Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 8 >>",
    )
    # Swap the object stream's contents for the predicted rows (same /First, /N).
    start = plain.index(b"stream\n", plain.index(b"/ObjStm")) + len(b"stream\n")
    end = plain.index(b"\nendstream", start)
    encoded = zlib.compress(rows)
    head = plain[:start].replace(b"/Length %d" % (end - start), b"/Length %d" % len(encoded))
    rebuilt = head + encoded + plain[end:]
    return _fix_xref_offsets(rebuilt)


def _fix_xref_offsets(data: bytes) -> bytes:
    """Rewrite the cross-reference stream of `pdf_with_object_streams` output after
    objects moved: every type-1 entry gets its object's new offset."""
    xref_at = data.rindex(b"/Type /XRef")
    number_at = data.rindex(b"\n", 0, data.rindex(b" 0 obj", 0, xref_at)) + 1
    table_start = data.index(b"stream\n", xref_at) + len(b"stream\n")
    table_end = data.index(b"\nendstream", table_start)
    table = bytearray(data[table_start:table_end])
    for row in range(len(table) // 7):
        if table[row * 7] != 1:
            continue
        found = data.find(b"\n%d 0 obj\n" % row)
        offset = found + 1 if found >= 0 else data.index(b"%d 0 obj\n" % row)
        table[row * 7 + 1 : row * 7 + 5] = struct.pack(">I", offset)
    startxref = data.rindex(b"startxref\n")
    body = data[:table_start] + bytes(table) + data[table_end:startxref]
    return body + b"startxref\n%d\n%%%%EOF\n" % number_at


def pdf_javascript_action_named_by_a_string(value: bytes = b"<2F4A617661536372697074>") -> bytes:
    """An /OpenAction whose /S is a string reading "/JavaScript" (by default in hex)
    and whose script is elsewhere: no name in the file says JavaScript, but pypdf's
    walk counts it."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S %s >> >>" % value,
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    return blobs.pdf_file(objects)
