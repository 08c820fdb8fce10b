"""A counting SMTP sink in its own process.

The e2e RecordingSink keeps and parses every message in the test process. Under
load that would make the sink part of what is measured: parsing 10 MB messages
and holding gigabytes, under the same GIL as the client threads whose latency
we time. This sink only counts deliveries per run tag (taken from the envelope
recipient, ``bench.TAG@...``) and the time of the last one, in a child process.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import threading
import time
from dataclasses import dataclass
from typing import Any

from aiosmtpd.controller import Controller

from tests.e2e.harness import LOOPBACK, free_port

SIZE_LIMIT = 64 * 1024 * 1024
OTHER = "other"  # deliveries without a bench tag, e.g. aduana's notices


@dataclass(frozen=True)
class TagCount:
    count: int
    first: float  # time.monotonic() of the first and last delivery (system-wide clock)
    last: float
    bytes: int


def tag_of(recipient: str) -> str:
    local = recipient.partition("@")[0]
    return local.removeprefix("bench.") if local.startswith("bench.") else OTHER


class _CountingHandler:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: dict[str, TagCount] = {}

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        now = time.monotonic()
        size = len(envelope.original_content or b"")
        tags = {tag_of(str(r)) for r in envelope.rcpt_tos}
        with self.lock:
            for tag in tags:
                old = self.counts.get(tag)
                self.counts[tag] = (
                    TagCount(1, now, now, size)
                    if old is None
                    else TagCount(old.count + 1, old.first, now, old.bytes + size)
                )
        return "250 2.0.0 Ok: counted"


def _serve(conn: multiprocessing.connection.Connection) -> None:
    handler = _CountingHandler()
    for _attempt in range(5):
        port = free_port()
        controller = Controller(
            handler, hostname=LOOPBACK, port=port, data_size_limit=SIZE_LIMIT, ready_timeout=10
        )
        try:
            controller.start()
        except OSError:  # the free port was taken in between
            continue
        break
    else:
        conn.send(("error", "could not bind a port"))
        return
    conn.send(("port", port))
    while True:
        command, argument = conn.recv()
        if command == "stop":
            controller.stop()
            conn.send(("stopped", None))
            return
        with handler.lock:
            if command == "count":
                conn.send(("count", handler.counts.get(argument)))
            elif command == "forget":
                handler.counts.pop(argument, None)
                conn.send(("forgot", None))


class CountingSink:
    """``with CountingSink() as sink: sink.port; sink.count(tag)``."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child,), name="bench-sink")
        self.port = 0

    @property
    def host(self) -> str:
        return LOOPBACK

    @property
    def pid(self) -> int | None:
        return self._process.pid

    def _ask(self, command: str, argument: str | None = None) -> Any:
        self._conn.send((command, argument))
        _answer, value = self._conn.recv()
        return value

    def start(self) -> None:
        self._process.start()
        if not self._conn.poll(30):
            raise RuntimeError("the counting sink did not start in 30 s")
        kind, value = self._conn.recv()
        if kind != "port":
            raise RuntimeError(f"the counting sink failed: {value}")
        self.port = int(value)

    def count(self, tag: str) -> TagCount | None:
        result: TagCount | None = self._ask("count", tag)
        return result

    def wait_for(self, tag: str, expected: int, timeout: float) -> TagCount | None:
        """The tag's count once it reaches ``expected``, or whatever it is at timeout."""
        deadline = time.monotonic() + timeout
        while True:
            got = self.count(tag)
            if (got is not None and got.count >= expected) or time.monotonic() > deadline:
                return got
            time.sleep(0.02)

    def forget(self, tag: str) -> None:
        self._ask("forget", tag)

    def stop(self) -> None:
        if self._process.is_alive():
            self._ask("stop")
            self._process.join(10)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()

    def __enter__(self) -> CountingSink:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
