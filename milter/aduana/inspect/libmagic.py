"""libmagic handles shared by the threads of one process.

A libmagic handle ("cookie") is not thread-safe, so python-magic puts a lock
on each one, and its module-level ``magic.from_buffer`` uses a single handle
for the whole process. pymilter runs one thread per SMTP connection, so with
ten connections the messages queued on that one lock: 44% of the daemon's
busy samples at 4 KB (py-spy, docs/performance.md). Separate handles can be
used at once, and the ctypes call releases the GIL, so each caller borrows a
handle of its own. Each handle holds its own copy of the magic database (about
8 MB), so there are at most as many as the machine has cores; more would
only wait for a core.
"""

from __future__ import annotations

import functools
import os
import queue
import threading

import magic


class MagicHandles:
    """At most ``size`` libmagic handles, created on first need."""

    def __init__(self, size: int) -> None:
        self._size = max(1, size)
        self._idle: queue.SimpleQueue[magic.Magic] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._created = 0

    def mime_type(self, data: bytes) -> str:
        handle = self._borrow()
        try:
            return str(handle.from_buffer(data))
        finally:
            self._idle.put(handle)

    def _borrow(self) -> magic.Magic:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            if self._created < self._size:
                self._created += 1
                return magic.Magic(mime=True)
        return self._idle.get()


@functools.cache
def process_handles() -> MagicHandles:
    """The handles of this process: loading the magic database costs ~10 ms and 8 MB,
    too much to repeat per message, so this is the one process-wide cache."""
    return MagicHandles(os.cpu_count() or 1)
