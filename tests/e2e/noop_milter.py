"""A milter that changes nothing: the e2e sanity check and the benchmark baseline.

Usage: python tests/e2e/noop_milter.py inet:PORT@127.0.0.1

It takes part in every milter step (including DATA; a milter that declines
DATA makes Postfix and libmilter stall ~40 ms per message on loopback) and
answers CONTINUE each time. With NOOP_MILTER_RECORD=FILE it appends one JSON
line per MAIL FROM and per end of message with the macros Postfix sent.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path
from typing import Any

import Milter

RECORD_ENV = "NOOP_MILTER_RECORD"
MAIL_MACROS = ("{auth_authen}", "{auth_type}", "{mail_addr}", "i")
EOM_MACROS = ("i", "{i}")


class MacroRecorder:
    """Appends JSON lines to a file; shared by all connections of one process."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()

    def write(self, entry: dict[str, Any]) -> None:
        line = json.dumps(entry, sort_keys=True) + "\n"
        with self._lock, self._path.open("a", encoding="utf-8") as out:
            out.write(line)


class NoopMilter(Milter.Base):  # type: ignore[misc]
    recorder: MacroRecorder | None = None

    def _macros(self, names: tuple[str, ...]) -> dict[str, str | None]:
        return {name: self.getsymval(name) for name in names}

    def connect(self, hostname: str, family: int, hostaddr: Any) -> int:
        return int(Milter.CONTINUE)

    def hello(self, hostname: str) -> int:
        return int(Milter.CONTINUE)

    def envfrom(self, mail_from: str, *params: str) -> int:
        if self.recorder is not None:
            self.recorder.write(
                {"stage": "mail", "mail_from": mail_from, "macros": self._macros(MAIL_MACROS)}
            )
        return int(Milter.CONTINUE)

    def envrcpt(self, rcpt: str, *params: str) -> int:
        return int(Milter.CONTINUE)

    def data(self) -> int:
        return int(Milter.CONTINUE)

    def header(self, name: str, value: str) -> int:
        return int(Milter.CONTINUE)

    def eoh(self) -> int:
        return int(Milter.CONTINUE)

    def body(self, chunk: bytes) -> int:
        return int(Milter.CONTINUE)

    def eom(self) -> int:
        if self.recorder is not None:
            self.recorder.write({"stage": "eom", "macros": self._macros(EOM_MACROS)})
        return int(Milter.CONTINUE)

    def abort(self) -> int:
        return int(Milter.CONTINUE)

    def close(self) -> int:
        return int(Milter.CONTINUE)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(f"usage: {argv[0]} inet:PORT@127.0.0.1", file=sys.stderr)
        return 2
    record = os.environ.get(RECORD_ENV)
    recorder = MacroRecorder(Path(record)) if record else None

    def build() -> NoopMilter:
        milter = NoopMilter()
        milter.recorder = recorder
        return milter

    Milter.factory = build
    print(f"noop milter listening on {argv[1]}", flush=True)
    Milter.runmilter("noop", argv[1], timeout=600)
    print("noop milter stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
