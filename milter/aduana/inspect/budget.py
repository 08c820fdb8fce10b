"""Bounded reading: every decompressed byte is counted against the message's limits."""

from __future__ import annotations

import io
import tempfile
from dataclasses import dataclass, field
from typing import IO, Protocol

from aduana.clock import Clock
from aduana.inspect.limits import InspectionLimits
from aduana.inspect.model import LimitHit, LimitKind

CHUNK = 64 * 1024


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


@dataclass
class Budget:
    """Mutable counters for one `inspect_message` call (never shared between calls)."""

    limits: InspectionLimits
    clock: Clock
    deadline: float
    members: int = 0
    bytes_used: int = 0
    stopped: bool = False
    hits: list[LimitHit] = field(default_factory=list)

    @classmethod
    def start(cls, limits: InspectionLimits, clock: Clock) -> Budget:
        return cls(limits=limits, clock=clock, deadline=clock() + limits.time_budget)

    def hit(self, kind: LimitKind, where: str, detail: str = "") -> None:
        # The first place a limit is hit is the one worth reporting.
        if all(h.kind is not kind for h in self.hits):
            self.hits.append(LimitHit(kind, where, detail))

    @property
    def exhausted(self) -> bool:
        """True once archives must not be read any further."""
        return (
            self.stopped
            or self.members > self.limits.max_members
            or self.bytes_used > self.limits.max_total_bytes
        )

    def out_of_time(self, where: str) -> bool:
        if self.stopped:
            return True
        if self.clock() > self.deadline:
            self.hit(LimitKind.TIME, where, f"más de {self.limits.time_budget:g} s")
            self.stopped = True
        return self.stopped

    def take_member(self, where: str) -> bool:
        """Count one archive member; False once the message has too many."""
        self.members += 1
        if self.members > self.limits.max_members:
            self.hit(LimitKind.MEMBERS, where, f"más de {self.limits.max_members} miembros")
            return False
        return True

    def admit_member(self, where: str) -> bool:
        """Whether one more archive member may be read: budget left, time left, count ok."""
        return not self.exhausted and not self.out_of_time(where) and self.take_member(where)

    def charge(self, nbytes: int, where: str) -> bool:
        """Count uncompressed bytes; False once the message is over its total."""
        self.bytes_used += nbytes
        if self.bytes_used > self.limits.max_total_bytes:
            self.hit(
                LimitKind.TOTAL_BYTES,
                where,
                f"más de {self.limits.max_total_bytes} bytes descomprimidos",
            )
            return False
        return True

    def over_ratio(self, uncompressed: int, compressed: int) -> bool:
        if uncompressed <= self.limits.ratio_min_bytes:
            return False
        return uncompressed > self.limits.max_ratio * max(compressed, 1)


@dataclass
class Content:
    """A piece of content: its head (for libmagic), its size and, when it was kept,
    the whole of it as a seekable file."""

    head: bytes
    size: int
    body: IO[bytes] | None = None
    truncated: bool = False

    @classmethod
    def of(cls, data: bytes, head_bytes: int) -> Content:
        return cls(head=data[:head_bytes], size=len(data), body=io.BytesIO(data))

    @classmethod
    def spooled(cls, body: IO[bytes], head_bytes: int) -> Content:
        """Content already written to the seekable `body`, which it now owns."""
        size = body.seek(0, io.SEEK_END)
        body.seek(0)
        head = body.read(head_bytes)
        body.seek(0)
        return cls(head=head, size=size, body=body)

    def read_all(self, cap: int) -> bytes | None:
        """The whole content if it is no bigger than `cap`, else None."""
        if self.body is None or self.size > cap:
            return None
        self.body.seek(0)
        return self.body.read(cap + 1)[:cap]

    def close(self) -> None:
        if self.body is not None:
            self.body.close()


class MemberReader:
    """Streams one decompressed member in chunks, stopping at the first limit.

    `declared_size` (from the archive's own headers, possibly a lie) is charged up front,
    so a bomb that admits its size is refused without inflating a byte of it.
    """

    def __init__(
        self,
        stream: Readable,
        budget: Budget,
        where: str,
        *,
        compressed_size: int,
        declared_size: int | None,
    ) -> None:
        self._stream = stream
        self._budget = budget
        self._where = where
        self._compressed = compressed_size
        self._declared = declared_size
        self._read = 0
        self._charged = 0
        self.limited = False
        # Set when the declared size alone breaks a limit: the head is still read, so
        # the member is classified, but its body is not inflated.
        self._skip_body = False
        if declared_size is not None:
            self._charged = declared_size
            if budget.over_ratio(declared_size, compressed_size):
                self._ratio_hit(declared_size)
                self._skip_body = True
            if not budget.charge(declared_size, where):
                self._skip_body = True

    def _ratio_hit(self, size: int) -> None:
        self._budget.hit(
            LimitKind.RATIO,
            self._where,
            f"{size} bytes de {self._compressed} comprimidos",
        )

    def _chunk(self, want: int) -> bytes:
        if self.limited or self._budget.out_of_time(self._where):
            self.limited = True
            return b""
        data = self._stream.read(min(CHUNK, want))
        self._read += len(data)
        if self._read > self._charged:
            extra = self._read - self._charged
            self._charged = self._read
            if not self._budget.charge(extra, self._where):
                self.limited = True
        if self._budget.over_ratio(self._read, self._compressed):
            self._ratio_hit(self._read)
            self.limited = True
        return data

    def head(self, nbytes: int) -> bytes:
        parts: list[bytes] = []
        got = 0
        while got < nbytes:
            data = self._chunk(nbytes - got)
            if not data:
                break
            parts.append(data)
            got += len(data)
        return b"".join(parts)

    def finish(self, head: bytes, keep: bool) -> Content:
        """Build the Content. With `keep`, stream the rest into a spooled file; without
        it, a member whose size the archive does not declare (gzip, bzip2, xz) is still
        read through and counted, so a bomb hits its limit, but nothing is kept."""
        if self._skip_body:
            size = max(self._declared or 0, len(head))
            return Content(head=head, size=size, truncated=True)
        if not keep and self._declared is not None:
            return Content(head=head, size=max(self._declared, len(head)), truncated=self.limited)
        spool = None
        if keep:
            # Owned by the returned Content, which its user closes.
            spool = tempfile.SpooledTemporaryFile(  # noqa: SIM115
                max_size=self._budget.limits.spool_threshold
            )
            spool.write(head)
        size = len(head)
        while data := self._chunk(CHUNK):
            if spool is not None:
                spool.write(data)
            size += len(data)
        if spool is not None:
            spool.seek(0)
        return Content(head=head, size=size, body=spool, truncated=self.limited)
