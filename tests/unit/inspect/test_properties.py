"""Property tests: arbitrary bytes never make the inspectors raise or overrun the budget.

Raise the example count with ADUANA_HYPOTHESIS_EXAMPLES=5000.
"""

from __future__ import annotations

import io
import os
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aduana.inspect import InspectionLimits, inspect_message
from aduana.inspect.archives import ArchiveFormat, Member, read_archive
from aduana.inspect.budget import Budget, MemberReader
from tests.corpus import blobs, containers, rar
from tests.corpus.generate import CASES

EXAMPLES = int(os.environ.get("ADUANA_HYPOTHESIS_EXAMPLES", "200"))
LIMITS = InspectionLimits(time_budget=2.0)
SLACK = 1.0
PROFILE = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

_SEEDS = [case.build() for case in CASES if case.name not in {"zip_bomb", "many_members"}]
_ARCHIVE_SEEDS = {
    ArchiveFormat.ZIP: blobs.zip_of({"a.exe": blobs.pe_exe(), "b.txt": b"hola"}),
    ArchiveFormat.TAR: blobs.tar_of({"a.exe": blobs.pe_exe()}),
    ArchiveFormat.GZIP: blobs.gz(blobs.pe_exe()),
    ArchiveFormat.BZIP2: blobs.bz2_of(blobs.pe_exe()),
    ArchiveFormat.XZ: blobs.xz_of(blobs.pe_exe()),
    ArchiveFormat.SEVENZIP: blobs.sevenzip({"a.exe": blobs.pe_exe()}),
    ArchiveFormat.RAR: rar.rar5({"a.exe": blobs.pe_exe(), "b.txt": b"hola"}),
    ArchiveFormat.ISO9660: containers.bsdtar("iso9660", {"a.exe": blobs.pe_exe()}),
    ArchiveFormat.UDF: containers.udf_only_stub(),
    ArchiveFormat.CAB: containers.cab({"a.exe": blobs.pe_exe()}),
    ArchiveFormat.CPIO: containers.bsdtar("cpio", {"a.exe": blobs.pe_exe()}),
    ArchiveFormat.XAR: containers.bsdtar("xar", {"a.exe": blobs.pe_exe()}),
    # No free LHA writer: a level-0 header with a stored member.
    ArchiveFormat.LHA: b"\x00\x00-lh0-" + bytes(14) + b"\x05a.exe" + bytes(4) + blobs.pe_exe(),
    ArchiveFormat.AR: containers.bsdtar("ar", {"a.exe": blobs.pe_exe()}),
    ArchiveFormat.ZSTD: containers.bsdtar("raw", {"a.exe": blobs.pe_exe()}, "--zstd"),
    ArchiveFormat.LZ4: containers.bsdtar("raw", {"a.exe": blobs.pe_exe()}, "--lz4"),
    ArchiveFormat.LZIP: containers.bsdtar("raw", {"a.exe": blobs.pe_exe()}, "--lzip"),
    ArchiveFormat.COMPRESS: containers.bsdtar("raw", {"a.exe": blobs.pe_exe()}, "-Z"),
}


@st.composite
def mutated(draw: st.DrawFn, seeds: list[bytes]) -> bytes:
    """A corpus message or archive with a few bytes flipped, cut or spliced in."""
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(0, 8))):
        if not data:
            break
        position = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(["flip", "cut", "insert"]))
        if action == "flip":
            data[position] = draw(st.integers(0, 255))
        elif action == "cut":
            del data[position : position + draw(st.integers(1, 64))]
        else:
            data[position:position] = draw(st.binary(max_size=32))
    return bytes(data)


def _inspect_within_budget(data: bytes) -> None:
    started = time.monotonic()
    result = inspect_message(io.BytesIO(data), LIMITS)
    assert time.monotonic() - started < LIMITS.time_budget + SLACK
    assert result.total_bytes == len(data)


@PROFILE
@given(st.binary(max_size=4096))
def test_inspect_message_never_raises_on_random_bytes(data: bytes) -> None:
    _inspect_within_budget(data)


@PROFILE
@given(mutated(_SEEDS))
def test_inspect_message_never_raises_on_damaged_corpus_messages(data: bytes) -> None:
    _inspect_within_budget(data)


def _read(fmt: ArchiveFormat, data: bytes) -> None:
    budget = Budget.start(LIMITS, time.monotonic)

    def visit(member: Member, reader: MemberReader | None) -> None:
        if reader is not None:
            reader.finish(reader.head(4096), keep=True).close()

    started = time.monotonic()
    read_archive(fmt, io.BytesIO(data), len(data), budget, "1", visit)
    assert time.monotonic() - started < LIMITS.time_budget + SLACK


@PROFILE
@given(st.sampled_from(list(ArchiveFormat)), st.binary(max_size=2048))
def test_archive_readers_never_raise_on_random_bytes(fmt: ArchiveFormat, data: bytes) -> None:
    _read(fmt, data)


@PROFILE
@given(st.data())
def test_archive_readers_never_raise_on_damaged_archives(data: st.DataObject) -> None:
    fmt = data.draw(st.sampled_from(list(ArchiveFormat)))
    _read(fmt, data.draw(mutated([_ARCHIVE_SEEDS[fmt]])))
