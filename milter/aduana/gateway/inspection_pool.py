"""Where the CPU-heavy part of end of message runs: this thread, or a process pool.

pymilter runs one thread per connection under one GIL, so large messages being
inspected at once share a single core (docs/performance.md measured 0.95 cores
busy at 1 MB while the second core idled). Inspection and text extraction are
pure functions of the message bytes, so large messages go to a pool of worker
processes, one per core; small ones stay in the thread, where shipping the
bytes to a worker would cost more than inspecting them.

A large message reaches its worker as a file, copied a chunk at a time into a
private directory, never as bytes: pickled bytes would put one or two whole
copies of every message in flight in the daemon's memory.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import shutil
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import IO, Protocol

from aduana.content.message_text import MessageText, text_of
from aduana.inspect import InspectionLimits, MessageInspection, inspect_bytes

Inspected = tuple[MessageInspection, MessageText | None]
_PARENT_CHECK_SECONDS = 1.0
_COPY_BYTES = 64 * 1024


def inspect_here(message: IO[bytes], limits: InspectionLimits, with_text: bool) -> Inspected:
    """Budgets count this thread's CPU time, not wall time: under load, messages wait
    for the GIL, and ordinary mail must not hit a limit meant for decompression bombs."""
    message.seek(0)
    raw = message.read()  # once, for both passes
    inspection = inspect_bytes(raw, limits, clock=time.thread_time)
    text = text_of(raw, clock=time.thread_time, limits=limits) if with_text else None
    return inspection, text


def _exit_with(parent: int) -> None:
    """In a worker: exit when the daemon is gone (even killed with -9), not linger."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(_PARENT_CHECK_SECONDS)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _inspect_bytes(data: bytes, limits: InspectionLimits, with_text: bool) -> Inspected:
    return inspect_here(io.BytesIO(data), limits, with_text)


def _copy(message: IO[bytes], fd: int) -> None:
    message.seek(0)
    while chunk := message.read(_COPY_BYTES):
        view = memoryview(chunk)
        while view:
            view = view[os.write(fd, view) :]


def _inspect_file(path: str, limits: InspectionLimits, with_text: bool) -> Inspected:
    with open(path, "rb") as message:
        return inspect_here(message, limits, with_text)


class Inspector(Protocol):
    def inspect(
        self, message: IO[bytes], size: int, limits: InspectionLimits, with_text: bool
    ) -> Inspected: ...


class InlineInspector:
    """Everything in the calling thread: one node with one core, and `aduana explain`."""

    def inspect(
        self, message: IO[bytes], size: int, limits: InspectionLimits, with_text: bool
    ) -> Inspected:
        return inspect_here(message, limits, with_text)


class PooledInspector:
    """Messages of ``min_bytes`` or more are inspected in worker processes.

    The pool is replaced by a fresh one after ``max_messages``: parsing PDFs and
    archives leaves the Python heap fragmented, and a worker's RSS crept from 81 to
    97 MB over 300 PDF messages with a steady number of live objects
    (docs/performance.md). Not with ``max_tasks_per_child``, which deadlocks on
    Python 3.11 as soon as tasks queue up (CPython gh-115634).
    """

    def __init__(self, workers: int, min_bytes: int, max_messages: int | None = None) -> None:
        self._workers = workers
        self._min_bytes = min_bytes
        self._max_messages = max_messages
        self._lock = threading.Lock()
        self._handed_over = 0  # to the current pool
        # Only this user may read the messages handed to the workers (mode 0700).
        self._spool_dir = tempfile.mkdtemp(prefix="aduana-inspect-")
        self._pool = self._start()

    def _start(self) -> ProcessPoolExecutor:
        # spawn: never fork a process that already runs libmilter's threads; and the
        # workers are aduana's own children, so they can notice when it is gone.
        context = multiprocessing.get_context("spawn")
        pool = ProcessPoolExecutor(
            self._workers,
            mp_context=context,
            initializer=_exit_with,
            initargs=(os.getpid(),),
        )
        list(pool.map(abs, range(self._workers)))  # start the workers now, not mid-message
        return pool

    def inspect(
        self, message: IO[bytes], size: int, limits: InspectionLimits, with_text: bool
    ) -> Inspected:
        if size < self._min_bytes:
            return inspect_here(message, limits, with_text)
        pool = self._pool
        try:
            inspected = self._hand_over(pool, message, limits, with_text)
        except BrokenProcessPool:
            # A worker died (e.g. killed by the OOM killer): this message gets the
            # error boundary's 4xx and is retried; later messages get a fresh pool.
            self._replace(pool)
            raise
        except RuntimeError:
            if pool is self._pool:
                raise
            # Retired by another thread between reading it and submitting: go again.
            return self.inspect(message, size, limits, with_text)
        self._count(pool)
        return inspected

    def _count(self, pool: ProcessPoolExecutor) -> None:
        with self._lock:
            if pool is not self._pool:
                return
            self._handed_over += 1
            due = self._max_messages is not None and self._handed_over >= self._max_messages
        if due:
            self._replace(pool)

    def _replace(self, pool: ProcessPoolExecutor) -> None:
        """A fresh pool in place of ``pool``, unless another thread replaced it already.
        Messages already in the old pool finish there; then its workers exit."""
        with self._lock:
            if self._pool is not pool:
                return
            self._pool = self._start()
            self._handed_over = 0
        pool.shutdown(wait=False)

    def _hand_over(
        self,
        pool: ProcessPoolExecutor,
        message: IO[bytes],
        limits: InspectionLimits,
        with_text: bool,
    ) -> Inspected:
        # Unbuffered, so a failed copy leaves nothing to flush when the file is closed.
        with tempfile.NamedTemporaryFile(
            dir=self._spool_dir, prefix="message-", buffering=0
        ) as copy:
            try:
                _copy(message, copy.fileno())
            except OSError:
                # No room for a copy (a full disk): send the bytes, as a last resort.
                message.seek(0)
                return pool.submit(_inspect_bytes, message.read(), limits, with_text).result()
            return pool.submit(_inspect_file, copy.name, limits, with_text).result()

    @property
    def spool_dir(self) -> str:
        """Where messages wait for a worker, one file each, removed once inspected."""
        return self._spool_dir

    def worker_pids(self) -> list[int]:
        """The worker processes (their RSS counts toward the gateway's memory)."""
        processes = self._pool._processes or {}  # not public in concurrent.futures
        return list(processes)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        shutil.rmtree(self._spool_dir)
