"""A small on-disk queue of notices waiting to be handed to the MTA.

One JSON file per notice (recipient, time queued, the composed message),
written to a temporary name and renamed, so a crash leaves either the whole
notice or nothing. Names start with the time queued, so sorting them gives the
oldest first. A notice given up on is moved to ``failed/`` for an administrator
to look at, never deleted.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

_SUFFIX = ".json"


@dataclass(frozen=True)
class SpooledNotice:
    path: Path
    to: str
    queued_at: float
    message: bytes


class NoticeSpool:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.failed_directory = directory / "failed"

    def add(self, to: str, message: bytes, now: float) -> Path:
        """Store one notice durably; raises OSError when the disk refuses."""
        self.directory.mkdir(mode=0o750, parents=True, exist_ok=True)
        name = f"{int(now * 1_000_000):020d}-{uuid.uuid4().hex}"
        record = {"to": to, "queued_at": now, "message": message.decode("utf-8", "surrogateescape")}
        partial = self.directory / f".{name}.tmp"
        with partial.open("w", encoding="utf-8", errors="surrogateescape") as file:
            json.dump(record, file, ensure_ascii=False)
            file.flush()
            os.fsync(file.fileno())
        final = self.directory / f"{name}{_SUFFIX}"
        partial.replace(final)
        return final

    def pending(self) -> list[SpooledNotice]:
        """Every queued notice, oldest first; a file that cannot be read is set aside."""
        if not self.directory.is_dir():
            return []
        notices = []
        for path in sorted(self.directory.glob(f"*{_SUFFIX}")):
            try:
                record = json.loads(path.read_text(encoding="utf-8", errors="surrogateescape"))
                notices.append(
                    SpooledNotice(
                        path=path,
                        to=str(record["to"]),
                        queued_at=float(record["queued_at"]),
                        message=str(record["message"]).encode("utf-8", "surrogateescape"),
                    )
                )
            except (OSError, ValueError, KeyError, TypeError):
                self.set_aside(path)
        return notices

    def __len__(self) -> int:
        if not self.directory.is_dir():
            return 0
        return sum(1 for _ in self.directory.glob(f"*{_SUFFIX}"))

    def remove(self, notice: SpooledNotice) -> None:
        notice.path.unlink(missing_ok=True)

    def set_aside(self, path: Path) -> None:
        """Move a notice to failed/, where it stays until someone looks at it."""
        self.failed_directory.mkdir(mode=0o750, parents=True, exist_ok=True)
        path.replace(self.failed_directory / path.name)
