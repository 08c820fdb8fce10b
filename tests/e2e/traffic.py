"""Steady mail traffic from client threads, and the one invariant: nothing accepted is lost.

Shared by the fault and soak tests.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from .harness import PrivatePostfix, RecordingSink, SendResult, send

DIRECTOR = "director.prueba@sre.gob.mx"
SUSPENDED = "suspendido.prueba@sre.gob.mx"
OUTSIDE = "destino@externo.example"
DELIVERY_TIMEOUT = 30.0


@dataclass(frozen=True)
class Outgoing:
    """One message a client is about to send, and what a healthy gateway answers."""

    kind: str
    sender: str
    message_id: str
    raw: bytes
    expected_code: int
    login: str | None = None


@dataclass(frozen=True)
class Sent:
    outgoing: Outgoing
    result: SendResult
    started: float
    """time.monotonic() when the client connected."""

    @property
    def kind(self) -> str:
        return self.outgoing.kind


def text_message(sender: str, message_id: str, subject: str, body_bytes: int = 300) -> bytes:
    line = b"Texto de prueba para la bitacora del expediente, sin nada que objetar.\n"
    body = line * (body_bytes // len(line) + 1)
    head = f"From: <{sender}>\nTo: <{OUTSIDE}>\nSubject: {subject}\nMessage-ID: <{message_id}>\n\n"
    return head.encode() + body


def normal(number: int, tag: str = "normal") -> Outgoing:
    """Plain mail from the Director General: accepted."""
    message_id = f"{tag}-{number}@faults.test"
    return Outgoing("normal", DIRECTOR, message_id, text_message(DIRECTOR, message_id, tag), 250)


def from_suspended(number: int) -> Outgoing:
    """Mail from a suspended account: 550 5.7.1 at MAIL FROM."""
    message_id = f"suspended-{number}@faults.test"
    raw = text_message(SUSPENDED, message_id, "suspendido")
    return Outgoing("suspended", SUSPENDED, message_id, raw, 550)


def mixed(number: int) -> Outgoing:
    return from_suspended(number) if number % 4 == 3 else normal(number)


class Traffic:
    """Clients sending mail through a gateway, one after another, until stopped.

    Every transaction is recorded with the reply the client saw.
    """

    def __init__(
        self,
        gateway: PrivatePostfix,
        make: Callable[[int], Outgoing],
        *,
        clients: int = 1,
        pause: float = 0.05,
    ) -> None:
        self._gateway = gateway
        self._make = make
        self._pause = pause
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._sent: list[Sent] = []
        self._numbers = iter(range(10**9))
        self._threads = [
            threading.Thread(target=self._client, name=f"traffic-{n}", daemon=True)
            for n in range(clients)
        ]

    def _next(self) -> Outgoing:
        with self._lock:
            return self._make(next(self._numbers))

    def _client(self) -> None:
        while not self._stop.is_set():
            outgoing = self._next()
            started = time.monotonic()
            result = send(
                self._gateway, outgoing.sender, [OUTSIDE], outgoing.raw,
                login=outgoing.login, timeout=30,
            )  # fmt: skip
            with self._lock:
                self._sent.append(Sent(outgoing, result, started))
            self._stop.wait(self._pause)

    @property
    def sent(self) -> list[Sent]:
        with self._lock:
            return list(self._sent)

    def wait_for(self, condition: Callable[[list[Sent]], bool], timeout: float = 20.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition(self.sent):
                return True
            time.sleep(0.05)
        return False

    def goes_on(self, count: int) -> bool:
        """Wait until `count` more transactions have finished."""
        mark = len(self.sent)
        return self.wait_for(lambda sent: len(sent) >= mark + count)

    def __enter__(self) -> Traffic:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)


def assert_nothing_lost(
    sent: list[Sent], sink: RecordingSink, gateway: PrivatePostfix
) -> dict[str, int]:
    """Each accepted message reached the sink exactly once; every other one got 4xx/5xx.

    Returns the counts (accepted, temporary, permanent) for the report.
    """
    no_reply = [
        s for s in sent if not (s.result.accepted or s.result.temporary or s.result.permanent)
    ]
    assert no_reply == [], f"clients left without a 2xx/4xx/5xx reply: {no_reply[:3]}"
    accepted = {s.outgoing.message_id for s in sent if s.result.accepted}
    assert len(accepted) == sum(s.result.accepted for s in sent), "a Message-ID was reused"
    sink.wait_for(lambda d: d.header("Message-ID") is not None, DELIVERY_TIMEOUT, len(accepted))
    assert gateway.wait_queue_empty(DELIVERY_TIMEOUT), gateway.queue()
    delivered = Counter((d.header("Message-ID") or "").strip("<>") for d in sink.delivered)
    lost = accepted - set(delivered)
    assert not lost, f"{len(lost)} accepted messages never delivered, e.g. {sorted(lost)[:3]}"
    twice = {mid: n for mid, n in delivered.items() if n > 1}
    assert not twice, f"delivered more than once: {twice}"
    refused = {s.outgoing.message_id for s in sent if not s.result.accepted}
    leaked = refused & set(delivered)
    assert not leaked, f"refused at the client but delivered anyway: {sorted(leaked)[:3]}"
    return {
        "accepted": len(accepted),
        "temporary": sum(s.result.temporary for s in sent),
        "permanent": sum(s.result.permanent for s in sent),
    }
