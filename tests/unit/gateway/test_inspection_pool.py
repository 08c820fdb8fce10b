"""Large messages inspected in worker processes reach the same verdicts as in the thread."""

from __future__ import annotations

import io
import os
import signal
import stat
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import pytest

from aduana.gateway.inspection_pool import InlineInspector, PooledInspector
from aduana.inspect import InspectionLimits
from tests.corpus.generate import CASES

SAMPLE = ("zip_exe", "7z_headers", "pdf_encrypted", "benign_docx", "broken_boundary", "zip_bomb")


@pytest.fixture(scope="module")
def pooled() -> Iterator[PooledInspector]:
    inspector = PooledInspector(workers=2, min_bytes=0)
    yield inspector
    inspector.close()


@pytest.mark.parametrize("name", SAMPLE)
def test_worker_and_thread_see_the_same_facts(pooled: PooledInspector, name: str) -> None:
    raw = next(c for c in CASES if c.name == name).build()
    limits = InspectionLimits()
    here = InlineInspector().inspect(io.BytesIO(raw), len(raw), limits, True)
    there = pooled.inspect(io.BytesIO(raw), len(raw), limits, True)
    assert there == here


def test_small_messages_stay_in_the_thread() -> None:
    inspector = PooledInspector(workers=1, min_bytes=1024 * 1024)
    try:
        raw = next(c for c in CASES if c.name == "pe_exe").build()
        # Killing the only worker would break a submitted job; a small message never goes there.
        for pid in inspector.worker_pids():
            os.kill(pid, signal.SIGKILL)
        inspection, _ = inspector.inspect(io.BytesIO(raw), len(raw), InspectionLimits(), False)
        assert any(p.category.value == "executable" for p in inspection.parts)
    finally:
        inspector.close()


def test_a_dead_worker_fails_one_message_and_the_pool_comes_back() -> None:
    inspector = PooledInspector(workers=1, min_bytes=0)
    try:
        raw = next(c for c in CASES if c.name == "benign_pdf").build()
        for pid in inspector.worker_pids():
            os.kill(pid, signal.SIGKILL)
        with pytest.raises(BrokenProcessPool):
            inspector.inspect(io.BytesIO(raw), len(raw), InspectionLimits(), False)
        inspection, _ = inspector.inspect(io.BytesIO(raw), len(raw), InspectionLimits(), False)
        assert not inspection.encrypted
    finally:
        inspector.close()


def test_messages_reach_workers_as_private_files_removed_once_inspected() -> None:
    inspector = PooledInspector(workers=1, min_bytes=0)
    spool_dir = inspector.spool_dir
    try:
        raw = next(c for c in CASES if c.name == "zip_exe").build()
        inspection, _ = inspector.inspect(io.BytesIO(raw), len(raw), InspectionLimits(), True)
        assert any(p.category.value == "executable" for p in inspection.parts)
        assert os.listdir(spool_dir) == []
        assert stat.S_IMODE(os.stat(spool_dir).st_mode) == 0o700
    finally:
        inspector.close()
    assert not os.path.exists(spool_dir)


def test_workers_are_replaced_after_their_quota_even_with_messages_queued() -> None:
    """Ten threads at once, as libmilter runs them, and a quota of three messages.

    (``ProcessPoolExecutor(max_tasks_per_child=...)`` deadlocks here on Python 3.11.)
    """
    inspector = PooledInspector(workers=1, min_bytes=0, max_messages=3)
    raw = next(c for c in CASES if c.name == "zip_exe").build()
    seen: set[int] = set()

    def inspect_one(index: int) -> bool:
        seen.update(inspector.worker_pids())
        inspection, _ = inspector.inspect(io.BytesIO(raw), len(raw), InspectionLimits(), True)
        return any(p.category.value == "executable" for p in inspection.parts)

    try:
        with ThreadPoolExecutor(10) as threads:
            futures = [threads.submit(inspect_one, i) for i in range(30)]
            assert all(f.result(timeout=120) for f in futures)
        assert len(seen) >= 3
    finally:
        inspector.close()
