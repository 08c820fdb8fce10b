"""The one zip reader: inspection (archives.py, encryption.py) and text extraction
(content/extract.py) open zips and their members here.

A zip is opened with zipfile from a seekable file or from bytes; a member is read
from its central-directory entry. `ZIP_ERRORS` is what zipfile and its
decompressors raise on corrupt or unsupported input: each caller maps it to its own
answer (an unreadable archive, a malformed document), and adds what else its own
reading may raise (the inspection walks names and extra fields, extraction parses
XML). `member_chunks` reads a member in chunks, at most a given number of bytes.
"""

from __future__ import annotations

import io
import lzma
import zipfile
import zlib
from collections.abc import Iterator
from typing import IO

from aduana.inspect.budget import CHUNK

ZIP_ERRORS: tuple[type[Exception], ...] = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    NotImplementedError,
    zlib.error,
    lzma.LZMAError,
    EOFError,
    OSError,
)


def open_zip(source: bytes | IO[bytes]) -> zipfile.ZipFile:
    """The zip's central directory; raises one of `ZIP_ERRORS` when there is none."""
    return zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)


def open_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> IO[bytes]:
    """The decompressed member, to be closed by the caller."""
    return archive.open(info)


def is_encrypted(info: zipfile.ZipInfo) -> bool:
    """The member's "encrypted" flag (traditional ZipCrypto or AES)."""
    return bool(info.flag_bits & 0x1)


def member_chunks(stream: IO[bytes], allowance: int) -> Iterator[bytes]:
    """The member's bytes in chunks, stopping after `allowance` bytes."""
    left = allowance
    while left > 0:
        chunk = stream.read(min(CHUNK, left))
        if not chunk:
            return
        left -= len(chunk)
        yield chunk
