"""Archive readers: zip, 7z, rar, tar and the gzip/bz2/xz single-stream compressors.

Each reader lists members, reports encryption and hands every member to a visitor as a
`MemberReader`, which streams it under the message's limits. Readers never recurse;
the visitor decides what to do with a member (including opening it as an archive).
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import stat
import struct
import tarfile
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import IO, Any, Protocol, TypeVar

import py7zr
import py7zr.exceptions
import py7zr.io
import rarfile  # type: ignore[import-untyped]

from aduana.inspect.budget import Budget, MemberReader, Readable
from aduana.inspect.model import EncryptionKind, LimitKind, ProblemKind


class ArchiveFormat(StrEnum):
    ZIP = "zip"
    SEVENZIP = "7z"
    RAR = "rar"
    TAR = "tar"
    GZIP = "gzip"
    BZIP2 = "bzip2"
    XZ = "xz"


COMPRESSORS = frozenset({ArchiveFormat.GZIP, ArchiveFormat.BZIP2, ArchiveFormat.XZ})


def detect_format(head: bytes) -> ArchiveFormat | None:
    """The archive format by magic bytes (libmagic's name for it is not needed)."""
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08"):
        return ArchiveFormat.ZIP
    if head.startswith(b"7z\xbc\xaf\x27\x1c"):
        return ArchiveFormat.SEVENZIP
    if head.startswith(b"Rar!\x1a\x07"):
        return ArchiveFormat.RAR
    if head.startswith(b"\x1f\x8b"):
        return ArchiveFormat.GZIP
    if head.startswith(b"BZh"):
        return ArchiveFormat.BZIP2
    if head.startswith(b"\xfd7zXZ\x00"):
        return ArchiveFormat.XZ
    if len(head) >= 262 and head[257:262] == b"ustar":
        return ArchiveFormat.TAR
    return None


@dataclass(frozen=True, slots=True)
class Member:
    index: int
    name: str
    declared_size: int | None
    compressed_size: int
    encrypted: bool = False


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
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    NotImplementedError,
    zlib.error,
    lzma.LZMAError,
    EOFError,
    OSError,
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
    if reader is None:
        _read_compressed(fmt, body, size, budget, where, visit, report, inner_name)
    else:
        reader()
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
    try:
        archive = zipfile.ZipFile(body)
    except _ZIP_ERRORS as exc:
        report.problems.append((ProblemKind.UNREADABLE_ARCHIVE, f"zip: {exc}"))
        return
    with archive:
        infos = archive.infolist()
        for index, mwhere, info in _admitted_members(infos, _zip_dir, budget, where, report):
            encrypted = bool(info.flag_bits & 0x1)
            if encrypted:
                aes = info.compress_type == 99
                report.encryption.add(
                    EncryptionKind.ZIP_AES if aes else EncryptionKind.ZIP_ZIPCRYPTO
                )
            member = Member(index, info.filename, info.file_size, info.compress_size, encrypted)
            if encrypted:
                visit(member, None)
                continue
            try:
                with archive.open(info) as stream:
                    visit(member, _reader(stream, budget, mwhere, member))
            except _ZIP_ERRORS as exc:
                report.problems.append((ProblemKind.UNREADABLE_ARCHIVE, f"{info.filename}: {exc}"))


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
        except _7Z_ERRORS as exc:
            report.problems.append((ProblemKind.UNREADABLE_ARCHIVE, f"7z: {exc}"))


def _rar_dir(info: Any) -> bool:  # rarfile.RarInfo: rarfile has no type hints
    return bool(info.is_dir())


def _read_rar(
    body: IO[bytes], budget: Budget, where: str, visit: Visitor, report: ArchiveReport
) -> None:
    try:
        archive = rarfile.RarFile(body)
    except rarfile.PasswordRequired:
        report.encryption.add(EncryptionKind.RAR_HEADERS)
        return
    except _RAR_ERRORS as exc:
        report.problems.append((ProblemKind.UNREADABLE_ARCHIVE, f"rar: {exc}"))
        return
    with archive:
        infos = archive.infolist()
        if archive.needs_password() and not infos:
            report.encryption.add(EncryptionKind.RAR_HEADERS)
            return
        for index, mwhere, info in _admitted_members(infos, _rar_dir, budget, where, report):
            encrypted = info.needs_password()
            if encrypted:
                report.encryption.add(EncryptionKind.RAR)
            name = info.filename or ""
            member = Member(index, name, info.file_size, info.compress_size or 0, encrypted)
            if encrypted or (info.mode is not None and stat.S_ISLNK(info.mode)):
                visit(member, None)
                continue
            try:
                with archive.open(info) as stream:
                    visit(member, _reader(stream, budget, mwhere, member))
            except rarfile.RarCannotExec:
                report.problems.append(
                    (ProblemKind.MEMBER_NOT_EXTRACTED, f"{name}: sin herramienta unrar")
                )
                visit(member, None)
            except _RAR_ERRORS as exc:
                report.problems.append((ProblemKind.UNREADABLE_ARCHIVE, f"{name}: {exc}"))
