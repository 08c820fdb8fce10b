"""Harmless synthetic files with the right magic bytes (never real malware).

Each builder returns bytes that libmagic and the archive readers recognise, but that
do nothing when run: a PE header with no code, an ELF header, a one-pixel PNG, ...
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import struct
import tarfile
import zipfile
import zlib

import py7zr


def pe_exe() -> bytes:
    """A DOS stub and a PE header for i386 with no sections: not runnable."""
    dos = b"MZ" + b"\x90" * 58 + struct.pack("<I", 64)
    coff = struct.pack("<HHIIIHH", 0x014C, 0, 0, 0, 0, 0xE0, 0x0102)
    optional = struct.pack("<H", 0x10B) + b"\x00" * 0xDE
    return dos + b"PE\x00\x00" + coff + optional + b"\x00" * 256


def elf_exe() -> bytes:
    ident = b"\x7fELF\x02\x01\x01" + b"\x00" * 9
    return ident + struct.pack("<HHI", 2, 0x3E, 1) + b"\x00" * 48


def mp3() -> bytes:
    return b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" * 64


def mp4() -> bytes:
    return b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64


def png() -> bytes:
    """A real one-pixel PNG (a signature logo)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0)
    idat = zlib.compress(b"\x00\xff\x00\x00\xff")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def lnk() -> bytes:
    return (
        b"\x4c\x00\x00\x00\x01\x14\x02\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00\x46"
        + b"\x00" * 60
    )


def pdf(*, encrypted: bool = False) -> bytes:
    """A real, minimal one-page PDF; with `encrypted`, its trailer names an /Encrypt
    dictionary as a password-protected PDF does."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    if encrypted:
        objects.append(b"<< /Filter /Standard /V 2 /R 3 /Length 128 /P -4 /O <00> /U <00> >>")
    trailer = b" /Encrypt 4 0 R /ID [<00><00>]" if encrypted else b""
    return pdf_file(objects, trailer)


def pdf_file(
    objects: list[bytes], trailer_extra: bytes = b"", header: bytes = b"%PDF-1.4\n"
) -> bytes:
    """Serialise numbered PDF objects (1 is the catalog) with a correct xref table."""
    out = io.BytesIO()
    out.write(header)
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    trailer = b"<< /Size %d /Root 1 0 R" % (len(objects) + 1) + trailer_extra
    out.write(b"trailer\n" + trailer + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


def docx() -> bytes:
    """A real (minimal) Word document, built with zipfile."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            'ContentType="application/xml"/><Override PartName="/word/document.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.'
            'document.main+xml"/></Types>',
        )
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="'
            "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
            'officeDocument" Target="word/document.xml"/></Relationships>',
        )
        archive.writestr(
            "word/document.xml",
            '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.'
            'openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Oficio '
            "de prueba</w:t></w:r></w:p></w:body></w:document>",
        )
    return out.getvalue()


def cfb(streams: dict[str, bytes]) -> bytes:
    """A Compound File (OLE2) with up to three streams, each padded to 4096 bytes so
    that it lives in ordinary sectors (no mini stream needed)."""
    assert 1 <= len(streams) <= 3
    sector = 512
    end, free, fat_sect, nostream = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    bodies = [data.ljust(4096, b"\x00") for data in streams.values()]
    fat = [fat_sect, end]
    starts = []
    for body in bodies:
        count = len(body) // sector
        start = len(fat)
        starts.append(start)
        fat.extend(range(start + 1, start + count))
        fat.append(end)
    fat.extend([free] * (sector // 4 - len(fat)))
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16
    header += struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\x00" * 6
    header += struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end, 0, end, 0)
    header += struct.pack("<I", 0) + struct.pack("<I", free) * 108

    def entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
        encoded = (name + "\x00").encode("utf-16-le") if name else b""
        return (
            encoded.ljust(64, b"\x00")
            + struct.pack("<HBB", len(encoded), kind, 1)
            + struct.pack("<III", nostream, right, child)
            + b"\x00" * 16
            + struct.pack("<I", 0)
            + b"\x00" * 16
            + struct.pack("<IQ", start, size)
        )

    names = list(streams)
    directory = entry("Root Entry", 5, 1, nostream, end, 0)
    for index, (name, body) in enumerate(zip(names, bodies, strict=True), start=1):
        right = index + 1 if index < len(names) else nostream
        directory += entry(name, 2, nostream, right, starts[index - 1], len(body))
    while len(directory) < sector:
        directory += entry("", 0, nostream, nostream, 0, 0)
    fat_sector = struct.pack(f"<{sector // 4}I", *fat)
    return header + fat_sector + directory + b"".join(bodies)


def encrypted_docx() -> bytes:
    """What Word writes for a password-protected .docx: a CFB holding EncryptionInfo
    and EncryptedPackage (the package here is random-looking filler)."""
    return cfb(
        {
            "EncryptionInfo": b"\x04\x00\x04\x00\x40\x00\x00\x00" + b"\x00" * 64,
            "EncryptedPackage": struct.pack("<Q", 1000) + bytes(range(256)) * 4,
        }
    )


def legacy_doc(*, encrypted: bool = False) -> bytes:
    """A Word 97 file whose FIB has (or lacks) the fEncrypted flag."""
    flags = 0x0100 if encrypted else 0
    fib = struct.pack("<HHHHHH", 0xA5EC, 0xC1, 0, 0x0409, 0, flags)
    return cfb({"WordDocument": fib + b"\x00" * 500})


def zip_of(members: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def zip_flagged(name: str, data: bytes, *, aes: bool) -> bytes:
    """A zip whose member is flagged encrypted (ZipCrypto, or WinZip AES with method 99
    and the 0x9901 extra field). The bytes are not really encrypted; only the flags,
    which is what a gateway can see, matter here."""
    method = 99 if aes else 0
    extra = struct.pack("<HHHH2sBH", 0x9901, 7, 2, 0x4541, b"AE", 3, 0) if aes else b""
    crc = zlib.crc32(data)
    encoded = name.encode()
    local = struct.pack(
        "<IHHHHHIIIHH", 0x04034B50, 51, 1, method, 0, 0, crc, len(data), len(data),
        len(encoded), len(extra),
    ) + encoded + extra  # fmt: skip
    central = struct.pack(
        "<IHHHHHHIIIHHHHHII", 0x02014B50, 51, 51, 1, method, 0, 0, crc, len(data), len(data),
        len(encoded), len(extra), 0, 0, 0, 0, 0,
    ) + encoded + extra  # fmt: skip
    body = local + data
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central), len(body), 0)
    return body + central + end


def zip_bomb() -> bytes:
    """One member of 50 MiB of zeros: about 50 KiB compressed, a ratio near 1000."""
    out = io.BytesIO()
    block = b"\x00" * (1024 * 1024)
    with (
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("datos.bin", "w", force_zip64=True) as member,
    ):
        for _ in range(50):
            member.write(block)
    return out.getvalue()


def many_members(count: int) -> bytes:
    return zip_of({f"f{i:05d}.txt": b"x" for i in range(count)}, compression=zipfile.ZIP_STORED)


def nested_zip(depth: int, inner: bytes, inner_name: str) -> bytes:
    data, name = inner, inner_name
    for level in range(depth):
        data = zip_of({name: data})
        name = f"nivel{level + 1}.zip"
    return data


def tar_of(members: dict[str, bytes], compression: str = "") -> bytes:
    out = io.BytesIO()
    mode = f"w:{compression}" if compression else "w"
    with tarfile.open(fileobj=out, mode=mode) as archive:  # type: ignore[call-overload]
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def gz(data: bytes, name: str = "") -> bytes:
    out = io.BytesIO()
    with gzip.GzipFile(filename=name, mode="wb", fileobj=out, mtime=0) as stream:
        stream.write(data)
    return out.getvalue()


def gz_gigabyte() -> bytes:
    """1 GiB of zeros in about 1 MiB: 64 gzip members of 16 MiB each (RFC 1952 allows
    concatenated members, and every reader inflates them all)."""
    one = gzip.compress(b"\x00" * (16 * 1024 * 1024), compresslevel=9, mtime=0)
    return one * 64


def bz2_of(data: bytes) -> bytes:
    return bz2.compress(data)


def xz_of(data: bytes) -> bytes:
    return lzma.compress(data)


def sevenzip(
    members: dict[str, bytes], *, password: str | None = None, headers: bool = False
) -> bytes:
    out = io.BytesIO()
    with py7zr.SevenZipFile(out, "w", password=password, header_encryption=headers) as archive:
        for name, data in members.items():
            archive.writestr(data, name)
    return out.getvalue()


def _rar4_block(kind: int, flags: int, body: bytes, add: bytes = b"") -> bytes:
    size = 7 + len(body)
    header = struct.pack("<BHH", kind, flags, size) + body
    crc = zlib.crc32(header) & 0xFFFF
    return struct.pack("<H", crc) + header + add


def rar4(members: dict[str, bytes], *, encrypted: bool = False, headers: bool = False) -> bytes:
    """A RAR 2.9 archive with stored members; `encrypted` flags them as password
    protected, `headers` sets the main header's "encrypted headers" flag."""
    out = b"Rar!\x1a\x07\x00"
    out += _rar4_block(0x73, 0x0080 if headers else 0, b"\x00" * 6)
    if headers:
        return out + b"\x00" * 8 + bytes(range(64))  # salt and opaque encrypted headers
    for name, data in members.items():
        encoded = name.encode()
        body = struct.pack(
            "<IIBIIBBHI", len(data), len(data), 2, zlib.crc32(data), 0x5A000000, 20, 0x30,
            len(encoded), 0x20,
        ) + encoded  # fmt: skip
        flags = 0x8000 | (0x0004 if encrypted else 0)
        out += _rar4_block(0x74, flags, body, data)
    return out + _rar4_block(0x7B, 0x4000, b"")


def _vint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def rar5_encrypted_headers() -> bytes:
    """A RAR 5 archive that starts with an archive encryption header (rar -hp)."""
    fields = _vint(4) + _vint(0) + _vint(0) + _vint(0) + bytes([15]) + bytes(range(16))
    block = _vint(len(fields)) + fields
    return b"Rar!\x1a\x07\x01\x00" + struct.pack("<I", zlib.crc32(block)) + block + bytes(64)


def tnef(attachments: dict[str, bytes]) -> bytes:
    """A winmail.dat carrying the given attachments."""

    def attribute(level: int, attr: int, data: bytes) -> bytes:
        checksum = sum(data) & 0xFFFF
        return struct.pack("<BII", level, attr, len(data)) + data + struct.pack("<H", checksum)

    out = b"\x78\x9f\x3e\x22" + struct.pack("<H", 0x0001)
    out += attribute(1, 0x00089006, struct.pack("<I", 0x00010000))
    out += attribute(1, 0x00069007, struct.pack("<II", 1252, 0))
    for name, data in attachments.items():
        out += attribute(2, 0x00069002, b"\x01\x00" + b"\xff" * 12)
        out += attribute(2, 0x00018010, name.encode() + b"\x00")
        out += attribute(2, 0x0006800F, data)
    return out


def _der(tag: int, content: bytes) -> bytes:
    length = len(content)
    if length < 0x80:
        return bytes([tag, length]) + content
    encoded = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(encoded)]) + encoded + content


def cms(kind: str) -> bytes:
    """A CMS ContentInfo shell: envelopedData (encrypted) or signedData (signature)."""
    oid = {"enveloped": "2a864886f70d010703", "signed": "2a864886f70d010702"}[kind]
    inner = _der(0x30, _der(0x02, b"\x00") + _der(0x31, b"") + bytes(40))
    return _der(0x30, _der(0x06, bytes.fromhex(oid)) + _der(0xA0, inner))


def pgp_packet(tag: int, body: bytes) -> bytes:
    return bytes([0xC0 | tag, len(body)]) + body


def pgp_armor(kind: str, packets: bytes) -> bytes:
    import base64

    text = base64.encodebytes(packets)
    return (
        b"-----BEGIN PGP "
        + kind.encode()
        + b"-----\n\n"
        + text
        + b"=abcd\n-----END PGP "
        + kind.encode()
        + b"-----\n"
    )
