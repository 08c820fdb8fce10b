"""Encryption visible in a file's own bytes: PDF, Office, CMS (S/MIME) and OpenPGP.

Archive encryption (zip, 7z, rar) is found while reading the archive, in `archives`.
"""

from __future__ import annotations

import binascii
import re
import struct
import zipfile
from enum import Enum
from typing import IO

import olefile

from aduana.inspect import pdf
from aduana.inspect.model import EncryptionKind
from aduana.inspect.zip_reader import open_member, open_zip

CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# DER of the CMS content-type OIDs id-envelopedData and id-ct-authEnvelopedData.
_OID_ENVELOPED = bytes.fromhex("06092a864886f70d010703")
_OID_AUTH_ENVELOPED = bytes.fromhex("060b2a864886f70d0109100117")
_OID_SIGNED = bytes.fromhex("06092a864886f70d010702")
_ARMOR = re.compile(rb"-----BEGIN PGP (MESSAGE|SIGNED MESSAGE|SIGNATURE)-----")
_ARMOR_BODY = re.compile(
    rb"-----BEGIN PGP MESSAGE-----\r?\n(?:[!-9;-~]+:[^\n]*\n)*\r?\n([A-Za-z0-9+/=\r\n]{4,2000})"
)
# OpenPGP packet tags that mean "encrypted": PKESK, SKESK, SED, SEIPD, AEAD.
_PGP_ENCRYPTED_TAGS = frozenset({1, 3, 9, 18, 20})
_PGP_SIGNED_TAGS = frozenset({2, 4, 8, 11})
_DRM = re.compile(r"drm", re.IGNORECASE)
_ODF_MANIFEST = "META-INF/manifest.xml"
_ODF_MANIFEST_MAX = 1024 * 1024
_ODF_ENCRYPTION_DATA = b"encryption-data"
_OLE_ERRORS = (OSError, ValueError, IndexError, KeyError, struct.error, EOFError, TypeError)


class PgpKind(Enum):
    ENCRYPTED = "encrypted"
    SIGNED = "signed"


def pdf_reading(body: IO[bytes]) -> pdf.PdfReading:
    """Whether a PDF needs a password (see `aduana.inspect.pdf`), read once with what
    the active-content scan needs of it."""
    body.seek(0)
    return pdf.read_pdf(body.read())


def office_is_encrypted(body: IO[bytes]) -> bool:
    return office_encryption(body) is not None


def office_encryption(body: IO[bytes]) -> EncryptionKind | None:
    """A password-protected or rights-managed Office file in a CFB container.

    OOXML with a password is a CFB holding EncryptionInfo + EncryptedPackage; legacy
    Word sets fEncrypted in the FIB, Excel writes a FILEPASS record, PowerPoint keeps
    an EncryptedSummary stream. Under IRM/DRM (Azure RMS, AD RMS) the package is
    encrypted to the rights server: the `\x06DataSpaces` storage names a DRM data
    space or transform, and Office 2003 keeps the document in a `\x09DRMContent` stream.
    """
    body.seek(0)
    if body.read(8) != CFB_MAGIC:
        return None
    body.seek(0)
    try:
        ole = olefile.OleFileIO(body)
    except _OLE_ERRORS:
        return None
    try:
        if _ole_rights_managed(ole):
            return EncryptionKind.OFFICE_IRM
        return EncryptionKind.OFFICE if _ole_encrypted(ole) else None
    except _OLE_ERRORS:
        return None
    finally:
        ole.close()


def _ole_rights_managed(ole: olefile.OleFileIO[str]) -> bool:
    for path in ole.listdir(streams=True, storages=True):
        if any(_DRM.search(element) for element in path):
            return True
    return False


def odf_is_encrypted(body: IO[bytes]) -> bool:
    """An OpenDocument file saved with a password: its META-INF/manifest.xml gives
    `manifest:encryption-data` for the encrypted entries (ODF 1.2, part 3, 4.8)."""
    body.seek(0)
    try:
        with open_zip(body) as archive:
            info = archive.getinfo(_ODF_MANIFEST)
            if info.file_size > _ODF_MANIFEST_MAX:
                # A manifest this large is not a document's; read its start only.
                with open_member(archive, info) as manifest:
                    return _ODF_ENCRYPTION_DATA in manifest.read(_ODF_MANIFEST_MAX)
            return _ODF_ENCRYPTION_DATA in archive.read(info)
    except (KeyError, OSError, EOFError, ValueError, NotImplementedError, zipfile.BadZipFile):
        return False


def _ole_encrypted(ole: olefile.OleFileIO[str]) -> bool:
    if ole.exists("EncryptionInfo") or ole.exists("EncryptedPackage"):
        return True
    if ole.exists("EncryptedSummary"):
        return True
    if ole.exists("WordDocument"):
        fib = ole.openstream("WordDocument").read(12)
        if len(fib) >= 12 and struct.unpack_from("<H", fib, 10)[0] & 0x0100:
            return True
    for stream in ("Workbook", "Book"):
        if ole.exists(stream):
            return _xls_has_filepass(ole.openstream(stream).read(64 * 1024))
    return False


def _xls_has_filepass(data: bytes) -> bool:
    offset = 0
    for _ in range(64):
        if offset + 4 > len(data):
            return False
        rtype, length = struct.unpack_from("<HH", data, offset)
        if rtype == 0x002F:
            return True
        if rtype == 0x000A:  # EOF of the globals substream
            return False
        offset += 4 + length
    return False


def cms_kind(head: bytes) -> EncryptionKind | None:
    """S/MIME enveloped data (a DER ContentInfo), whatever the part claims to be."""
    if not head.startswith(b"\x30"):
        return None
    window = head[:64]
    if _OID_ENVELOPED in window or _OID_AUTH_ENVELOPED in window:
        return EncryptionKind.SMIME_ENVELOPED
    return None


def cms_is_signed(head: bytes) -> bool:
    return head.startswith(b"\x30") and _OID_SIGNED in head[:64]


def _pgp_packet_tag(first: int) -> int | None:
    if not first & 0x80:
        return None
    if first & 0x40:
        return first & 0x3F
    return (first >> 2) & 0x0F


def pgp_binary_kind(head: bytes) -> PgpKind | None:
    """Binary OpenPGP data (.gpg/.pgp), judged by its first packet."""
    if not head:
        return None
    tag = _pgp_packet_tag(head[0])
    if tag in _PGP_ENCRYPTED_TAGS:
        return PgpKind.ENCRYPTED
    if tag in _PGP_SIGNED_TAGS:
        return PgpKind.SIGNED
    return None


def pgp_armor_kinds(text: bytes) -> set[PgpKind]:
    """ASCII-armoured OpenPGP in a text. A "PGP MESSAGE" block may be only signed
    (`gpg --sign --armor`), so its first packet decides."""
    found: set[PgpKind] = set()
    for match in _ARMOR.finditer(text):
        if match.group(1) != b"MESSAGE":
            found.add(PgpKind.SIGNED)
            continue
        found.add(_armored_message_kind(text, match.start()))
    return found


def _armored_message_kind(text: bytes, start: int) -> PgpKind:
    body = _ARMOR_BODY.match(text, start)
    if body is None:
        return PgpKind.ENCRYPTED
    try:
        packets = binascii.a2b_base64(re.sub(rb"\s", b"", body.group(1))[:8])
    except binascii.Error:
        return PgpKind.ENCRYPTED
    # Anything we cannot read as signed-only is treated as encrypted.
    return pgp_binary_kind(packets) or PgpKind.ENCRYPTED
