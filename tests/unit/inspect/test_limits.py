"""Hostile archives are answered fast, with bounded memory, and say which limit they hit."""

from __future__ import annotations

import io
import time
import tracemalloc
from collections.abc import Callable, Iterator

import pytest

from aduana.inspect import Category, InspectionLimits, LimitKind, inspect_bytes, inspect_message
from tests.corpus import blobs
from tests.corpus.generate import with_attachment


def _fake_clock(step: float) -> Callable[[], float]:
    """A clock that advances `step` seconds every time it is read."""
    ticks: Iterator[float] = (i * step for i in range(10**9))
    return lambda: next(ticks)


def test_zip_bomb_is_refused_in_well_under_a_second() -> None:
    message = with_attachment("bomba", blobs.zip_bomb(), "datos.zip")
    started = time.perf_counter()
    result = inspect_bytes(message)
    assert time.perf_counter() - started < 0.5
    assert LimitKind.RATIO in {hit.kind for hit in result.limit_hits}


def test_ten_thousand_members_stop_at_the_member_limit_quickly() -> None:
    message = with_attachment("miembros", blobs.many_members(10_000), "muchos.zip")
    started = time.perf_counter()
    result = inspect_bytes(message)
    assert time.perf_counter() - started < 1.0
    assert LimitKind.MEMBERS in {hit.kind for hit in result.limit_hits}
    members = [p for p in result.parts if p.archive_chain]
    assert len(members) == InspectionLimits().max_members


def test_gigabyte_gzip_keeps_memory_bounded_and_stops_at_the_ratio() -> None:
    """A ~1 MiB attachment that inflates to 1 GiB: bounded memory, a limit, fast."""
    message = with_attachment("gigabyte", blobs.gz_gigabyte(), "ceros.gz")
    tracemalloc.start()
    started = time.perf_counter()
    try:
        result = inspect_message(io.BytesIO(message), InspectionLimits())
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert {hit.kind for hit in result.limit_hits} & {LimitKind.RATIO, LimitKind.TOTAL_BYTES}
    assert peak < 64 * 1024 * 1024
    assert elapsed < 2.0


@pytest.mark.parametrize(("max_depth", "hit"), [(3, False), (2, True)])
def test_archive_depth_is_configurable(max_depth: int, hit: bool) -> None:
    """Three zips nested: allowed at depth 3, a limit hit at depth 2."""
    message = with_attachment("anidado", blobs.nested_zip(3, blobs.pe_exe(), "a.exe"), "n.zip")
    result = inspect_bytes(message, InspectionLimits(max_archive_depth=max_depth))
    assert (LimitKind.DEPTH in {h.kind for h in result.limit_hits}) is hit


def test_total_uncompressed_bytes_are_capped_per_message() -> None:
    data = blobs.zip_of({f"{i}.txt": b"a" * 100_000 for i in range(5)})
    message = with_attachment("total", data, "t.zip")
    result = inspect_bytes(message, InspectionLimits(max_total_bytes=250_000))
    assert LimitKind.TOTAL_BYTES in {h.kind for h in result.limit_hits}


def test_time_budget_uses_the_injected_clock() -> None:
    message = with_attachment("lento", blobs.many_members(50), "m.zip")
    result = inspect_bytes(message, InspectionLimits(time_budget=5.0), clock=_fake_clock(1.0))
    assert LimitKind.TIME in {h.kind for h in result.limit_hits}


def test_member_of_a_bomb_is_still_classified_from_its_head() -> None:
    bomb = blobs.zip_of({"programa.exe": blobs.pe_exe() + b"\x00" * 5_000_000})
    result = inspect_bytes(with_attachment("exe inflado", bomb, "b.zip"))
    assert Category.EXECUTABLE in {p.category for p in result.parts}
    assert LimitKind.RATIO in {h.kind for h in result.limit_hits}


def test_mime_nesting_is_limited() -> None:
    message = b"Content-Type: text/plain\r\n\r\nhola\r\n"
    for _ in range(10):
        message = (
            b"Content-Type: message/rfc822\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + message
        )
    result = inspect_bytes(message, InspectionLimits(max_mime_depth=5))
    assert LimitKind.MIME_DEPTH in {h.kind for h in result.limit_hits}
