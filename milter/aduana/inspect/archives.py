"""Archive readers: every container libarchive reads, plus zipfile and py7zr.

zip, 7z, tar and gzip/bzip2/xz are read with the standard library and py7zr, which
report encryption best; rar (4 and 5, compressed members too), ISO 9660, CAB, cpio,
xar, LHA, ar and the zstd/lz4/lzip/compress streams are read with libarchive, which
also takes the zip members zipfile cannot decompress (PPMd, zstd, ...) and the 7z
archives py7zr cannot (BCJ2 and other filters); Deflate64 zip members go through
inflate64. A zip whose local headers disagree with its central directory is read
both ways (`Member.reading` says which).

Each reader lists members, reports encryption and hands every member to a visitor as a
`MemberReader`, which streams it under the message's limits. Readers never recurse;
the visitor decides what to do with a member (including opening it as an archive).
What cannot be opened is reported as a problem (UNREADABLE_ARCHIVE,
MEMBER_NOT_EXTRACTED): the policy treats it as uninspectable, never as clean.
"""

from __future__ import annotations

import bisect
import bz2
import ctypes
import gzip
import lzma
import struct
import tarfile
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import IO, Any, Protocol, TypeVar

import inflate64
import libarchive  # type: ignore[import-untyped]
import libarchive.exception  # type: ignore[import-untyped]
import libarchive.ffi  # type: ignore[import-untyped]
import py7zr
import py7zr.exceptions
import py7zr.io
import rarfile  # type: ignore[import-untyped]

from aduana.inspect.budget import CHUNK, Budget, MemberReader, Readable
from aduana.inspect.model import EncryptionKind, LimitKind, ProblemKind
from aduana.inspect.zip_reader import ZIP_ERRORS, is_encrypted, open_member, open_zip


class ArchiveFormat(StrEnum):
    ZIP = "zip"
    SEVENZIP = "7z"
    RAR = "rar"
    TAR = "tar"
    GZIP = "gzip"
    BZIP2 = "bzip2"
    XZ = "xz"
    ISO9660 = "iso9660"
    UDF = "udf"
    CAB = "cab"
    CPIO = "cpio"
    XAR = "xar"
    LHA = "lha"
    AR = "ar"
    ZSTD = "zstd"
    LZ4 = "lz4"
    LZIP = "lzip"
    COMPRESS = "compress"


COMPRESSORS = frozenset(
    {
        ArchiveFormat.GZIP,
        ArchiveFormat.BZIP2,
        ArchiveFormat.XZ,
        ArchiveFormat.ZSTD,
        ArchiveFormat.LZ4,
        ArchiveFormat.LZIP,
        ArchiveFormat.COMPRESS,
    }
)
# libarchive's name for the formats it reads for us ("raw": one compressed stream).
_LIBARCHIVE_FORMATS: dict[ArchiveFormat, str] = {
    ArchiveFormat.ISO9660: "iso9660",
    # libarchive reads the ISO 9660 side of a hybrid image; a UDF-only image fails
    # and is reported unreadable.
    ArchiveFormat.UDF: "iso9660",
    ArchiveFormat.CAB: "cab",
    ArchiveFormat.CPIO: "cpio",
    ArchiveFormat.XAR: "xar",
    ArchiveFormat.LHA: "lha",
    ArchiveFormat.AR: "ar",
    ArchiveFormat.ZSTD: "raw",
    ArchiveFormat.LZ4: "raw",
    ArchiveFormat.LZIP: "raw",
    ArchiveFormat.COMPRESS: "raw",
}
_ISO_DESCRIPTOR = 0x8001


def detect_format(head: bytes) -> ArchiveFormat | None:
    """The archive format by magic bytes (libmagic's name for it is not needed)."""
    for matches, fmt in _SIGNATURES:
        if matches(head):
            return fmt
    descriptor = head[_ISO_DESCRIPTOR : _ISO_DESCRIPTOR + 5]
    if descriptor == b"CD001":
        return ArchiveFormat.ISO9660
    if descriptor in (b"BEA01", b"NSR02", b"NSR03"):
        return ArchiveFormat.UDF
    return None


def _starts_with(*magic: bytes) -> Callable[[bytes], bool]:
    return lambda head: head.startswith(magic)


def _is_tar(head: bytes) -> bool:
    return len(head) >= 262 and head[257:262] == b"ustar"


def _is_lha(head: bytes) -> bool:
    """An LHA header: "-lh5-" (or -lzs-, ...) at offset 2 and a header level 0-3."""
    return (
        len(head) > 21
        and head[2:4] == b"-l"
        and head[6:7] == b"-"
        and head[4:5] in (b"h", b"z")
        and head[20] <= 3
    )


# Tried in this order (some signatures can overlap: "\x1f\x9d-lh5-" is LHA).
# From CAB on, only libarchive reads the format.
_SIGNATURES: tuple[tuple[Callable[[bytes], bool], ArchiveFormat], ...] = (
    (_starts_with(b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08"), ArchiveFormat.ZIP),
    (_starts_with(b"7z\xbc\xaf\x27\x1c"), ArchiveFormat.SEVENZIP),
    (_starts_with(b"Rar!\x1a\x07"), ArchiveFormat.RAR),
    (_starts_with(b"\x1f\x8b"), ArchiveFormat.GZIP),
    (_starts_with(b"BZh"), ArchiveFormat.BZIP2),
    (_starts_with(b"\xfd7zXZ\x00"), ArchiveFormat.XZ),
    (_is_tar, ArchiveFormat.TAR),
    (_starts_with(b"MSCF\x00\x00\x00\x00"), ArchiveFormat.CAB),
    (_starts_with(b"070707", b"070701", b"070702"), ArchiveFormat.CPIO),
    (_starts_with(b"xar!"), ArchiveFormat.XAR),
    (_is_lha, ArchiveFormat.LHA),
    (_starts_with(b"!<arch>\n"), ArchiveFormat.AR),
    (_starts_with(b"\x28\xb5\x2f\xfd"), ArchiveFormat.ZSTD),
    (_starts_with(b"\x04\x22\x4d\x18"), ArchiveFormat.LZ4),
    (_starts_with(b"LZIP"), ArchiveFormat.LZIP),
    (_starts_with(b"\x1f\x9d"), ArchiveFormat.COMPRESS),
)


@dataclass(frozen=True, slots=True)
class Member:
    index: int
    name: str
    declared_size: int | None
    compressed_size: int
    encrypted: bool = False
    # Which reading of an ambiguous archive found it ("" when there is only one).
    reading: str = ""


# The visitor gets the member and a reader, or None when the content cannot be read
# (encrypted, or a rar method that needs an external tool).
Visitor = Callable[[Member, MemberReader | None], None]


@dataclass
class ArchiveReport:
    """What reading one archive found besides its members."""

    encryption: set[EncryptionKind] = field(default_factory=set)
    problems: list[tuple[ProblemKind, str]] = field(default_factory=list)
    member_names: list[str] = field(default_factory=list)


# Exceptions the parsers raise on hostile or damaged input. They become problems.
_ZIP_ERRORS: tuple[type[Exception], ...] = (
    *ZIP_ERRORS,
    # Walking the archive's own names, extra fields and local headers.
    ValueError,
    struct.error,
    UnicodeDecodeError,
    RuntimeError,
)
_TAR_ERRORS = (tarfile.TarError, EOFError, OSError, ValueError, UnicodeDecodeError, zlib.error)
_STREAM_ERRORS = (EOFError, OSError, ValueError, lzma.LZMAError, zlib.error)
_7Z_ERRORS = (
    py7zr.exceptions.ArchiveError,
    py7zr.exceptions.PasswordRequired,
    lzma.LZMAError,
    zlib.error,
    EOFError,
    OSError,
    ValueError,
    struct.error,
    IndexError,
    KeyError,
    TypeError,
    AttributeError,
    UnicodeDecodeError,
    NotImplementedError,
    OverflowError,
    MemoryError,
)
_LIBARCHIVE_ERRORS = (libarchive.exception.ArchiveError, OSError, ValueError)
_RAR_ERRORS = (
    rarfile.Error,
    EOFError,
    OSError,
    ValueError,
    struct.error,
    IndexError,
    UnicodeDecodeError,
    zlib.error,
)


def read_archive(
    fmt: ArchiveFormat,
    body: IO[bytes],
    size: int,
    budget: Budget,
    where: str,
    visit: Visitor,
    *,
    inner_name: str = "",
) -> ArchiveReport:
    """Read one archive held in the seekable `body` of `size` bytes."""
    report = ArchiveReport()
    body.seek(0)
    readers: dict[ArchiveFormat, Callable[[], None]] = {
        ArchiveFormat.ZIP: lambda: _read_zip(body, budget, where, visit, report),
        ArchiveFormat.TAR: lambda: _read_tar(body, budget, where, visit, report),
        ArchiveFormat.SEVENZIP: lambda: _read_7z(body, size, budget, where, visit, report),
        ArchiveFormat.RAR: lambda: _read_rar(body, budget, where, visit, report),
    }
    reader = readers.get(fmt)
    if reader is not None:
        reader()
    elif fmt in _LIBARCHIVE_FORMATS:
        libarchive_name = _LIBARCHIVE_FORMATS[fmt]
        raw_name = inner_name if libarchive_name == "raw" else None
        _LibarchivePass(body, size, budget, where, visit, report, raw_name=raw_name).run(
            libarchive_name
        )
    else:
        _read_compressed(fmt, body, size, budget, where, visit, report, inner_name)
    return report


def _member_where(where: str, index: int) -> str:
    return f"{where}!{index}"


class _ListedMember(Protocol):
    """An entry of a zip or rar listing (``ZipInfo``, ``RarInfo``)."""

    filename: str


_Listed = TypeVar("_Listed", bound=_ListedMember)


def _admitted_members(
    infos: list[_Listed],
    is_dir: Callable[[_Listed], bool],
    budget: Budget,
    where: str,
    report: ArchiveReport,
) -> Iterator[tuple[int, str, _Listed]]:
    """(number from 1, where, entry) of each file in a listing, while the budget
    admits members; records the names the listing shows."""
    report.member_names = [i.filename for i in infos[: budget.limits.max_members + 1]]
    for index, info in enumerate(infos, start=1):
        if is_dir(info):
            continue
        mwhere = _member_where(where, index)
        if not budget.admit_member(mwhere):
            return
        yield index, mwhere, info


def _read_zip(
    body: IO[bytes], budget: Budget, where: str, visit: Visitor, report: ArchiveReport
) -> None:
    """The central directory with zipfile, as most clients read a zip; the local
    headers too (libarchive, streaming) when they tell another story."""
    try:
        archive = open_zip(body)
    except _ZIP_ERRORS as exc:
        # No usable central directory: readers that walk the local headers still
        # find the members, so inspect what they find.
        local = _LibarchivePass(body, 0, budget, where, visit, report, reading=LOCAL_HEADERS)
        local.run("zip_streamable", quiet=True)
        if local.found and local.failure is None:
            report.problems.append((ProblemKind.ZIP_HEADERS_DISAGREE, f"zip: {exc}"))
        else:
            report.problems.append((ProblemKind.UNREADABLE_ARCHIVE, f"zip: {exc}"))
        return
    with archive:
        pending = _read_zip_central(archive, body, budget, where, visit, report)
        size = body.seek(0, 2)
        disagree = bool(pending.mismatched) or _hidden_local_headers(body, archive)
        if pending.unsupported and not disagree:
            # Deflate64 and the other methods zipfile lacks: libarchive reads them.
            wanted = set(pending.unsupported)
            _LibarchivePass(
                body, size, budget, where, visit, report, only=wanted.__contains__, counted=True
            ).run("zip_seekable")
        if disagree:
            detail = ", ".join(pending.mismatched) or "miembros fuera del directorio central"
            report.problems.append((ProblemKind.ZIP_HEADERS_DISAGREE, detail))
            _LibarchivePass(body, size, budget, where, visit, report, reading=LOCAL_HEADERS).run(
                "zip_streamable"
            )


LOCAL_HEADERS = "zip-local-headers"


@dataclass
class _ZipPending:
    """Members the central-directory reading could not read itself."""

    unsupported: list[str] = field(default_factory=list)
    mismatched: list[str] = field(default_factory=list)


def _read_zip_central(
    archive: zipfile.ZipFile,
    body: IO[bytes],
    budget: Budget,
    where: str,
    visit: Visitor,
    report: ArchiveReport,
) -> _ZipPending:
    pending = _ZipPending()
    infos = archive.infolist()
    for index, mwhere, info in _admitted_members(infos, _zip_dir, budget, where, report):
        encrypted = is_encrypted(info)
        if encrypted:
            aes = info.compress_type == 99
            report.encryption.add(EncryptionKind.ZIP_AES if aes else EncryptionKind.ZIP_ZIPCRYPTO)
        member = Member(index, info.filename, info.file_size, info.compress_size, encrypted)
        if encrypted:
            visit(member, None)
            continue
        if info.compress_type == _DEFLATE64:
            try:
                visit(member, _reader(_Deflate64(body, info), budget, mwhere, member))
            except (ValueError, OSError, struct.error) as exc:
                report.problems.append((ProblemKind.UNREADABLE_ARCHIVE, f"{info.filename}: {exc}"))
            continue
        if info.compress_type not in _ZIPFILE_METHODS:
            pending.unsupported.append(info.filename)
            continue
        try:
            with open_member(archive, info) as stream:
                visit(member, _reader(stream, budget, mwhere, member))
        except zipfile.BadZipFile as exc:
            if "differ" not in str(exc):
                report.problems.append((ProblemKind.UNREADABLE_ARCHIVE, f"{info.filename}: {exc}"))
                continue
            # The local header names another file: both readings are judged.
            pending.mismatched.append(info.filename)
            visit(member, None)
        except _ZIP_ERRORS as exc:
            report.problems.append((ProblemKind.UNREADABLE_ARCHIVE, f"{info.filename}: {exc}"))
    return pending


_DEFLATE64 = 9
# Compressed bytes handed to inflate64 at a time: it has no output cap, and deflate
# expands at most about 1,000 times, so one call yields at most a few MB.
_DEFLATE64_INPUT = 4096


class _Deflate64:
    """A Deflate64 member (which zipfile cannot read), inflated with inflate64 from
    the compressed bytes the local header points at. The budget bounds the output."""

    def __init__(self, body: IO[bytes], info: zipfile.ZipInfo) -> None:
        if info.header_offset < 0:
            raise ValueError("local header before the start of the file")
        body.seek(info.header_offset)
        local = body.read(30)
        if len(local) < 30 or local[:4] != b"PK\x03\x04":
            raise ValueError("no local header")
        name_len, extra_len = struct.unpack("<HH", local[26:30])
        self._body = body
        self._position = info.header_offset + 30 + name_len + extra_len
        self._left = info.compress_size
        self._inflater = inflate64.Inflater()
        self._pending = b""

    def read(self, size: int = -1, /) -> bytes:
        while (size < 0 or len(self._pending) < size) and self._left > 0:
            self._body.seek(self._position)
            chunk = self._body.read(min(_DEFLATE64_INPUT, self._left))
            if not chunk:
                break
            self._position += len(chunk)
            self._left -= len(chunk)
            self._pending += self._inflater.inflate(chunk)
        if size < 0:
            size = len(self._pending)
        data, self._pending = self._pending[:size], self._pending[size:]
        return data


_ZIPFILE_METHODS = frozenset(
    {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
)


def _hidden_local_headers(body: IO[bytes], archive: zipfile.ZipFile) -> bool:
    """Whether a local file header sits outside every member the central directory
    lists: a member that readers walking the local headers would find and the
    central directory hides."""
    spans: list[tuple[int, int]] = []
    for info in archive.infolist():
        if info.header_offset < 0:
            return True
        body.seek(info.header_offset)
        local = body.read(30)
        if len(local) < 30 or local[:4] != b"PK\x03\x04":
            return True
        name_len, extra_len = struct.unpack("<HH", local[26:30])
        end = info.header_offset + 30 + name_len + extra_len + info.compress_size
        spans.append((info.header_offset, end))
    spans.sort()
    starts = [start for start, _ in spans]
    for offset in _signature_offsets(body, b"PK\x03\x04"):
        at = bisect.bisect_right(starts, offset) - 1
        if at < 0 or not (starts[at] == offset or offset < spans[at][1]):
            return True
    return False


def _signature_offsets(body: IO[bytes], signature: bytes) -> Iterator[int]:
    body.seek(0)
    base = 0
    tail = b""
    while chunk := body.read(1 << 20):
        data = tail + chunk
        found = data.find(signature)
        while found != -1:
            yield base - len(tail) + found
            found = data.find(signature, found + 1)
        tail = data[-(len(signature) - 1) :]
        base += len(chunk)


def _zip_dir(info: zipfile.ZipInfo) -> bool:
    # ZipInfo.is_dir() raises IndexError on a member with an empty name.
    return info.filename.endswith("/")


def _reader(stream: Readable, budget: Budget, where: str, member: Member) -> MemberReader:
    return MemberReader(
        stream,
        budget,
        where,
        compressed_size=member.compressed_size,
        declared_size=member.declared_size,
    )


def _read_tar(
    body: IO[bytes], budget: Budget, where: str, visit: Visitor, report: ArchiveReport
) -> None:
    try:
        archive = tarfile.open(fileobj=body, mode="r:")  # noqa: SIM115 (closed below)
    except _TAR_ERRORS as exc:
        report.problems.append((ProblemKind.UNREADABLE_ARCHIVE, f"tar: {exc}"))
        return
    with archive:
        index = 0
        try:
            while (info := archive.next()) is not None:
                index += 1
                if not info.isfile():
                    continue
                mwhere = _member_where(where, index)
                if not budget.admit_member(mwhere):
                    return
                report.member_names.append(info.name)
                member = Member(index, info.name, info.size, info.size)
                stream = archive.extractfile(info)
                visit(member, None if stream is None else _reader(stream, budget, mwhere, member))
        except _TAR_ERRORS as exc:
            report.problems.append((ProblemKind.UNREADABLE_ARCHIVE, f"tar: {exc}"))


def _read_compressed(
    fmt: ArchiveFormat,
    body: IO[bytes],
    size: int,
    budget: Budget,
    where: str,
    visit: Visitor,
    report: ArchiveReport,
    inner_name: str,
) -> None:
    mwhere = _member_where(where, 1)
    if not budget.admit_member(mwhere):
        return
    stream: gzip.GzipFile | bz2.BZ2File | lzma.LZMAFile
    if fmt is ArchiveFormat.GZIP:
        stream = gzip.GzipFile(fileobj=body, mode="rb")
    elif fmt is ArchiveFormat.BZIP2:
        stream = bz2.BZ2File(body, mode="rb")
    else:
        stream = lzma.LZMAFile(body, mode="rb")  # noqa: SIM115 (closed below)
    member = Member(1, inner_name, None, size)
    report.member_names.append(inner_name)
    try:
        with stream:
            visit(member, _reader(stream, budget, mwhere, member))
    except _STREAM_ERRORS as exc:
        report.problems.append((ProblemKind.UNREADABLE_ARCHIVE, f"{fmt}: {exc}"))


class _SevenZipStopError(Exception):
    """Raised from inside py7zr's extraction loop to stop it at a limit."""


class _SevenZipWriter(py7zr.io.Py7zIO):
    """Receives one member from py7zr, spooled under the limits, and hands it on when
    py7zr closes it."""

    def __init__(self, sink: _SevenZipSink, name: str) -> None:
        self._sink = sink
        self._name = name
        # Closed in _close_member, once py7zr is done with this member.
        self._spool = tempfile.SpooledTemporaryFile(  # noqa: SIM115
            max_size=sink.budget.limits.spool_threshold
        )
        self._size = 0
        self._done = False

    def write(self, s: bytes | bytearray) -> int:
        budget = self._sink.budget
        self._size += len(s)
        self._sink.written += len(s)
        left = budget.limits.max_total_bytes - budget.bytes_used
        over_ratio = budget.over_ratio(self._sink.written, self._sink.archive_size)
        if self._size > left or over_ratio or budget.out_of_time(self._sink.where):
            # Hand on what we have; the reader charges it and records the limit.
            self._sink.stopped = True
            self._close_member()
            raise _SevenZipStopError
        self._spool.write(s)
        return len(s)

    def read(self, size: int | None = None) -> bytes:
        return b""

    def seek(self, offset: int, whence: int = 0) -> int:
        return 0

    def flush(self) -> None:
        return None

    def size(self) -> int:
        return self._size

    def close(self) -> None:
        self._close_member()

    def _close_member(self) -> None:
        if self._done:
            return
        self._done = True
        self._spool.seek(0)
        with self._spool:
            self._sink.deliver(self._name, self._spool, self._size)


@dataclass
class _SevenZipSink(py7zr.io.WriterFactory):
    budget: Budget
    where: str
    archive_size: int
    visit: Visitor
    infos: dict[str, tuple[int, int | None]]
    written: int = 0
    stopped: bool = False

    def create(self, filename: str) -> py7zr.io.Py7zIO:
        return _SevenZipWriter(self, filename)

    def deliver(self, name: str, spool: IO[bytes], written: int) -> None:
        index, declared = self.infos.get(name, (0, None))
        mwhere = _member_where(self.where, index)
        if self.budget.exhausted or not self.budget.take_member(mwhere):
            self.stopped = True
            raise _SevenZipStopError
        member = Member(index, name, declared, self.archive_size)
        reader = MemberReader(
            spool,
            self.budget,
            mwhere,
            compressed_size=self.archive_size,
            declared_size=None,
        )
        self.visit(member, reader)
        if self.budget.exhausted:
            self.stopped = True


def _read_7z(
    body: IO[bytes],
    size: int,
    budget: Budget,
    where: str,
    visit: Visitor,
    report: ArchiveReport,
) -> None:
    try:
        archive = py7zr.SevenZipFile(body, mode="r")
    except py7zr.exceptions.PasswordRequired:
        report.encryption.add(EncryptionKind.SEVENZIP_HEADERS)
        return
    except _7Z_ERRORS as exc:
        report.problems.append((ProblemKind.UNREADABLE_ARCHIVE, f"7z: {exc}"))
        return
    with archive:
        try:
            infos = [i for i in archive.list() if not i.is_directory]
            encrypted = archive.needs_password()
        except _7Z_ERRORS as exc:
            report.problems.append((ProblemKind.UNREADABLE_ARCHIVE, f"7z: {exc}"))
            return
        report.member_names = [i.filename for i in infos[: budget.limits.max_members + 1]]
        if encrypted:
            report.encryption.add(EncryptionKind.SEVENZIP)
            for index, info in enumerate(infos, start=1):
                mwhere = _member_where(where, index)
                if budget.exhausted or not budget.take_member(mwhere):
                    return
                visit(Member(index, info.filename, info.uncompressed, size, True), None)
            return
        declared = sum(i.uncompressed for i in infos)
        if budget.over_ratio(declared, size):
            budget.hit(LimitKind.RATIO, where, f"{declared} bytes de {size} comprimidos")
            return
        if declared > budget.limits.max_total_bytes - budget.bytes_used:
            budget.charge(declared, where)
            return
        positions: dict[str, tuple[int, int | None]] = {
            i.filename: (n, i.uncompressed) for n, i in enumerate(infos, start=1)
        }
        sink = _SevenZipSink(budget, where, size, visit, positions)
        try:
            archive.extractall(factory=sink)
        except _SevenZipStopError:
            return
        except py7zr.exceptions.UnsupportedCompressionMethodError:
            # BCJ2, ARM64 and other filters py7zr lacks: libarchive reads them.
            _LibarchivePass(body, size, budget, where, visit, report).run("7zip")
        except _7Z_ERRORS as exc:
            report.problems.append((ProblemKind.UNREADABLE_ARCHIVE, f"7z: {exc}"))


class _Blocks:
    """A libarchive entry's data blocks as a stream with ``read``."""

    def __init__(self, blocks: Iterator[bytes]) -> None:
        self._blocks = blocks
        self._pending = b""

    def read(self, size: int = -1, /) -> bytes:
        while size < 0 or len(self._pending) < size:
            block = next(self._blocks, None)
            if block is None:
                break
            self._pending += block
        if size < 0:
            size = len(self._pending)
        data, self._pending = self._pending[:size], self._pending[size:]
        return data


def _entry_encrypted(entry: Any) -> bool:  # libarchive.ArchiveEntry: no type hints
    # libarchive-c does not wrap archive_entry_is_encrypted; the entry pointer is
    # private but stable across its releases.
    found = libarchive.ffi.libarchive.archive_entry_is_encrypted(ctypes.c_void_p(entry._entry_p))
    return bool(found)


class _LibarchivePass:
    """One reading of an archive with libarchive.

    - `only`: read just the members whose names it accepts (the zip members zipfile
      could not decompress); `counted` says the budget already counted them.
    - `encrypted_names`: members another reader found encrypted (rarfile reads RAR
      encryption flags better); they are visited without content.
    - `raw_name`: the format is one compressed stream (zstd, lz4, ...) whose member
      takes this name.
    """

    def __init__(
        self,
        body: IO[bytes],
        size: int,
        budget: Budget,
        where: str,
        visit: Visitor,
        report: ArchiveReport,
        *,
        reading: str = "",
        only: Callable[[str], bool] | None = None,
        counted: bool = False,
        encrypted_names: frozenset[str] = frozenset(),
        encryption: EncryptionKind | None = None,
        raw_name: str | None = None,
    ) -> None:
        self.body = body
        self.size = size or body.seek(0, 2)
        self.budget = budget
        self.where = where
        self.visit = visit
        self.report = report
        self.reading = reading
        self.only = only
        self.counted = counted
        self.encrypted_names = encrypted_names
        self.encryption = encryption
        self.raw_name = raw_name
        self.found = 0
        self.seen: set[str] = set()
        self.failure: str | None = None

    def run(self, format_name: str, *, quiet: bool = False) -> None:
        """Read every entry; with `quiet`, a failure to read is not reported (the
        caller tells what it means)."""
        self.body.seek(0)
        # From memory, not through libarchive-c's stream_reader: with its Python read
        # and seek callbacks the daemon died of SIGSEGV on a damaged RAR in 2 of 13 e2e
        # runs (not reproduced in one process, not root-caused); none in 12 runs since.
        data = self.body.read()
        try:
            with libarchive.memory_reader(data, format_name=format_name) as archive:
                self._entries(archive)
        except _LIBARCHIVE_ERRORS as exc:
            self.failure = f"{format_name}: {getattr(exc, 'msg', '') or exc}"
            if not quiet:
                self.report.problems.append((ProblemKind.UNREADABLE_ARCHIVE, self.failure))

    def _entries(self, archive: Any) -> None:
        if self.raw_name is not None and not archive.filter_names:
            # The magic looked like a compressed stream, but no decompressor took
            # it: reading it "raw" would hand back the same bytes, again and again.
            self.report.problems.append((ProblemKind.UNREADABLE_ARCHIVE, "sin descompresor"))
            return
        names_left = self.budget.limits.max_members + 1 - len(self.report.member_names)
        for index, entry in enumerate(archive, start=1):
            if not entry.isfile:
                continue
            name = self.raw_name if self.raw_name is not None else str(entry.pathname or "")
            if self.only is not None and not self.only(name):
                continue
            self.found += 1
            mwhere = _member_where(self.where, index)
            if self.counted:
                if self.budget.exhausted or self.budget.out_of_time(mwhere):
                    return
            elif not self.budget.admit_member(mwhere):
                return
            if names_left > 0 and self.only is None:
                self.report.member_names.append(name)
                names_left -= 1
            declared = entry.size if self.raw_name is None else None
            encrypted = name in self.encrypted_names or _entry_encrypted(entry)
            member = Member(index, name, declared, self.size, encrypted, self.reading)
            if encrypted:
                if self.encryption is not None:
                    self.report.encryption.add(self.encryption)
                self.visit(member, None)
                self.seen.add(name)
                continue
            blocks = _Blocks(entry.get_blocks(CHUNK))
            self.visit(member, _reader(blocks, self.budget, mwhere, member))
            self.seen.add(name)  # read to the end without an error
            if self.budget.exhausted:
                return


@dataclass(frozen=True)
class _RarListing:
    """What rarfile reads from the headers: every file, and the encrypted ones."""

    names: tuple[str, ...] = ()
    encrypted: frozenset[str] = frozenset()


def _rar_listing(body: IO[bytes]) -> _RarListing | None:
    """The listing, or None when the headers themselves are encrypted."""
    body.seek(0)
    try:
        with rarfile.RarFile(body) as archive:
            infos = [i for i in archive.infolist() if not i.is_dir()]
            if archive.needs_password() and not infos:
                return None
            names = tuple(i.filename or "" for i in infos)
            encrypted = frozenset(i.filename or "" for i in infos if i.needs_password())
    except rarfile.PasswordRequired:
        return None
    except _RAR_ERRORS:
        return _RarListing()  # libarchive reports what it cannot read
    return _RarListing(names, encrypted)


def _read_rar(
    body: IO[bytes], budget: Budget, where: str, visit: Visitor, report: ArchiveReport
) -> None:
    """rarfile reads the encryption flags; libarchive reads the members, compressed or
    stored, RAR 4 and RAR 5 (rarfile would need the non-free unrar tool).

    With encrypted members, libarchive may give up at the first of them: then the
    members it did not reach are reported one by one, the encrypted ones as
    encryption and the others as not extracted, so an authorised sender's encrypted
    archive is not also refused as unreadable."""
    listing = _rar_listing(body)
    if listing is None:
        report.encryption.add(EncryptionKind.RAR_HEADERS)
        return
    if listing.encrypted:
        report.encryption.add(EncryptionKind.RAR)
    body.seek(0)
    rar5 = body.read(8) == b"Rar!\x1a\x07\x01\x00"
    reading = _LibarchivePass(
        body,
        0,
        budget,
        where,
        visit,
        report,
        encrypted_names=listing.encrypted,
        encryption=EncryptionKind.RAR,
    )
    reading.run("rar5" if rar5 else "rar", quiet=bool(listing.encrypted))
    if not listing.encrypted or budget.exhausted:
        return
    for name in listing.names:
        if name not in reading.seen and name not in listing.encrypted:
            report.problems.append((ProblemKind.MEMBER_NOT_EXTRACTED, name))
