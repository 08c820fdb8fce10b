"""Containers built by the suite with Debian's free tools (bsdtar, gcab, genisoimage)
or by hand, each holding harmless members (stub executables, short texts).

The Debian packages are in the Makefile's APT_PACKAGES; a missing tool fails the
test that needs it with its name.
"""

from __future__ import annotations

import io
import shutil
import struct
import subprocess
import tempfile
import zipfile
import zlib
from pathlib import Path


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} is not installed (make system installs it)")
    return found


def _with_files(members: dict[str, bytes], build: list[str], out_name: str) -> bytes:
    """Write `members` into a scratch directory, run `build` there, return `out_name`."""
    with tempfile.TemporaryDirectory(prefix="aduana-container-") as scratch:
        root = Path(scratch)
        source = root / "src"
        source.mkdir()
        for name, data in members.items():
            path = source / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        command = [_tool(build[0]), *build[1:]]
        subprocess.run(command, cwd=source, check=True, capture_output=True, timeout=60)
        return (root / out_name).read_bytes()


def bsdtar(fmt: str, members: dict[str, bytes], *options: str) -> bytes:
    """An archive written by libarchive's bsdtar: iso9660, 7zip, xar, cpio (odc),
    newc, ar, or raw with a compression option (--zstd, --lz4, --lzip, -Z)."""
    names = sorted(members)
    return _with_files(
        members, ["bsdtar", "-cf", "../out", "--format", fmt, *options, *names], "out"
    )


def cab(members: dict[str, bytes]) -> bytes:
    """A Microsoft cabinet, MSZIP-compressed (gcab)."""
    return _with_files(members, ["gcab", "-c", "-z", "../out.cab", *sorted(members)], "out.cab")


def iso_udf(members: dict[str, bytes]) -> bytes:
    """A hybrid ISO 9660 + UDF image (genisoimage -udf)."""
    return _with_files(
        members, ["genisoimage", "-quiet", "-udf", "-o", "../out.iso", "."], "out.iso"
    )


def udf_only_stub() -> bytes:
    """The volume recognition sequence of a UDF image with no ISO 9660 descriptor and
    nothing after it: detected as UDF, which libarchive cannot read."""
    image = bytearray(0x8000)
    image += b"\x00BEA01\x01" + b"\x00" * (0x800 - 7)
    image += b"\x00NSR02\x01" + b"\x00" * (0x800 - 7)
    image += b"\x00TEA01\x01" + b"\x00" * (0x800 - 7)
    return bytes(image)


def zip_deflate64(members: dict[str, bytes]) -> bytes:
    """A zip whose members say Deflate64 (method 9), which zipfile cannot read.

    The data is a raw deflate stream of literals only (Huffman coding, no matches),
    which Deflate64 decodes the same way: the two differ only in the window and in
    length code 285, which a stream without matches never uses."""
    out = bytearray()
    central = bytearray()
    for name, data in members.items():
        compressor = zlib.compressobj(6, zlib.DEFLATED, -15, 8, zlib.Z_HUFFMAN_ONLY)
        packed = compressor.compress(data) + compressor.flush()
        encoded = name.encode()
        crc = zlib.crc32(data)
        sizes = (crc, len(packed), len(data), len(encoded))
        local = struct.pack("<HHHHHIIIHH", 20, 0, 9, 0, 0x21, *sizes, 0)
        entry = struct.pack(
            "<HHHHHHIIIHHHHHII", 20, 20, 0, 9, 0, 0x21, *sizes, 0, 0, 0, 0, 0x20, len(out)
        )
        central += b"PK\x01\x02" + entry + encoded
        out += b"PK\x03\x04" + local + encoded + packed
    count = len(members)
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, count, count, len(central), len(out), 0)
    return bytes(out + central + end)


def zip_names_disagree(central_name: str, local_name: str, data: bytes) -> bytes:
    """One stored member whose local header names `local_name` while the central
    directory names `central_name` (same length, so offsets stay valid)."""
    assert len(central_name) == len(local_name)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr(central_name, data)
    raw = bytearray(buffer.getvalue())
    name_at = 30
    raw[name_at : name_at + len(local_name)] = local_name.encode()
    return bytes(raw)


def zip_with_hidden_member(visible: dict[str, bytes], hidden: dict[str, bytes]) -> bytes:
    """A zip whose central directory lists only `visible`; the `hidden` members have
    local headers (placed first) that the central directory never mentions."""
    hidden_zip = io.BytesIO()
    with zipfile.ZipFile(hidden_zip, "w", zipfile.ZIP_STORED) as archive:
        for name, data in hidden.items():
            archive.writestr(name, data)
    raw_hidden = hidden_zip.getvalue()
    local_part = raw_hidden[: raw_hidden.find(b"PK\x01\x02")]
    visible_zip = io.BytesIO()
    visible_zip.write(local_part)
    with zipfile.ZipFile(visible_zip, "a", zipfile.ZIP_STORED) as archive:
        for name, data in visible.items():
            archive.writestr(name, data)
    return visible_zip.getvalue()


def binhex(name: str, data: bytes) -> bytes:
    """A BinHex 4.0 file (data fork only), encoded as the Macintosh tools do."""
    encoded_name = name.encode("mac-roman")
    header = bytes([len(encoded_name)]) + encoded_name + b"\x00"
    header += b"TEXTttxt" + b"\x00\x00" + struct.pack(">II", len(data), 0)
    stream = header + struct.pack(">H", _crc_binhex(header))
    stream += data + struct.pack(">H", _crc_binhex(data))
    stream += struct.pack(">H", 0)  # the empty resource fork's CRC
    escaped = stream.replace(b"\x90", b"\x90\x00")
    alphabet = b"!\"#$%&'()*+,-012345689@ABCDEFGHIJKLMNPQRSTUVXYZ[`abcdefhijklmpqr"
    bits = "".join(f"{byte:08b}" for byte in escaped)
    bits += "0" * (-len(bits) % 6)
    text = bytes(alphabet[int(bits[i : i + 6], 2)] for i in range(0, len(bits), 6))
    lines = [text[i : i + 64] for i in range(0, len(text), 64)]
    body = b"\r\n".join(lines)
    return b"(This file must be converted with BinHex 4.0)\r\n\r\n:" + body + b":\r\n"


def _crc_binhex(data: bytes) -> int:
    """CRC-CCITT (XMODEM), as BinHex 4.0 uses."""
    crc = 0
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc
