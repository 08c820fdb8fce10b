"""RecordingSink: the SMTP server Postfix relays to, recording every delivery."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from aiosmtpd.controller import Controller

from .ports import LOOPBACK, free_port

# Comfortably above the 30 MB the product tests push through.
SINK_SIZE_LIMIT = 64 * 1024 * 1024


@dataclass(frozen=True)
class Delivered:
    """One message as the sink received it from Postfix."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes
    message: EmailMessage = field(compare=False, repr=False)
    mail_options: tuple[str, ...] = ()

    def header(self, name: str) -> str | None:
        value = self.message.get(name)
        return None if value is None else str(value)


def parse_message(raw: bytes) -> EmailMessage:
    """Parse wire bytes; CRLF becomes LF so contents compare with Python strings."""
    parsed = BytesParser(policy=policy.default).parsebytes(raw.replace(b"\r\n", b"\n"))
    assert isinstance(parsed, EmailMessage)
    return parsed


class _RecordingHandler:
    def __init__(self, record: Callable[[Delivered], None]) -> None:
        self._record = record

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        raw = envelope.original_content or b""
        self._record(
            Delivered(
                mail_from=str(envelope.mail_from),
                rcpt_tos=tuple(str(rcpt) for rcpt in envelope.rcpt_tos),
                raw=raw,
                message=parse_message(raw),
                mail_options=tuple(str(opt) for opt in envelope.mail_options),
            )
        )
        return "250 2.0.0 Ok: recorded"


class RecordingSink:
    """aiosmtpd server on 127.0.0.1:<free port>; thread-safe record of deliveries."""

    def __init__(self, data_size_limit: int = SINK_SIZE_LIMIT) -> None:
        self._data_size_limit = data_size_limit
        self._delivered: list[Delivered] = []
        self._changed = threading.Condition()
        self._controller: Controller | None = None
        self.port = 0

    @property
    def host(self) -> str:
        return LOOPBACK

    def start(self) -> None:
        last_error: OSError | None = None
        for _attempt in range(5):
            port = free_port()
            controller = Controller(
                _RecordingHandler(self._record),
                hostname=LOOPBACK,
                port=port,
                data_size_limit=self._data_size_limit,
                enable_SMTPUTF8=True,
            )
            try:
                controller.start()
            except OSError as error:  # the free port was taken in between
                last_error = error
                continue
            self._controller = controller
            self.port = port
            return
        raise RuntimeError(f"could not start the recording sink: {last_error}")

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> RecordingSink:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _record(self, delivered: Delivered) -> None:
        with self._changed:
            self._delivered.append(delivered)
            self._changed.notify_all()

    @property
    def delivered(self) -> list[Delivered]:
        with self._changed:
            return list(self._delivered)

    def clear(self) -> None:
        with self._changed:
            self._delivered.clear()

    def messages_to(self, addr: str) -> list[Delivered]:
        wanted = addr.lower()
        return [d for d in self.delivered if wanted in (r.lower() for r in d.rcpt_tos)]

    def wait_for(
        self,
        predicate: Callable[[Delivered], bool] = lambda _d: True,
        timeout: float = 10.0,
        count: int = 1,
    ) -> list[Delivered]:
        """Deliveries matching predicate, once there are `count` of them or timeout passed.

        On timeout the (possibly empty) list of matches so far is returned, so
        `assert sink.wait_for(p, 2) == []` states that nothing arrived.
        """
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                matches = [d for d in self._delivered if predicate(d)]
                remaining = deadline - time.monotonic()
                if len(matches) >= count or remaining <= 0:
                    return matches
                self._changed.wait(remaining)
