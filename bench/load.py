"""Drive SMTP load: ``concurrency`` client threads, one message per connection.

Each client connects, says EHLO, logs in with XCLIENT LOGIN (as the e2e harness
does: Postfix hands the login to milters as {auth_authen}), says EHLO again, and
then sends one transaction. Latency is timed in the client from just before
MAIL FROM to the final reply of the transaction (the reply to the end of DATA,
or the refusal that ended it earlier).
"""

from __future__ import annotations

import smtplib
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from tests.e2e.harness import xtext

from .messages import Template

HELO = "bench.client.test"
CLIENT_TIMEOUT = 300.0


@dataclass(frozen=True)
class Outcome:
    """One transaction: the final reply code and MAIL FROM -> final reply, in seconds."""

    kind: str
    code: int
    latency: float
    expected_refusal: bool

    @property
    def accepted(self) -> bool:
        return self.code == 250

    @property
    def refused(self) -> bool:
        return 500 <= self.code < 600

    @property
    def temporary(self) -> bool:
        return 400 <= self.code < 500 or self.code == 0


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int


def _reply(smtp: smtplib.SMTP) -> int:
    code, _text = smtp.getreply()
    return code


def send_one(endpoint: Endpoint, template: Template, recipient: str, data: bytes) -> Outcome:
    """One connection, one transaction. ``data`` is in DATA form (CRLF, dot-stuffed).

    A dropped connection is code 0.
    """
    code, latency = 0, 0.0
    try:
        with smtplib.SMTP(
            endpoint.host, endpoint.port, local_hostname=HELO, timeout=CLIENT_TIMEOUT
        ) as smtp:
            smtp.ehlo()
            code, _text = smtp.docmd("XCLIENT", f"LOGIN={xtext(template.sender)}")
            if code == 220:
                smtp.ehlo_resp = None
                smtp.ehlo()
                started = time.perf_counter()
                code = _transaction(smtp, template.sender, recipient, data)
                latency = time.perf_counter() - started
    except smtplib.SMTPServerDisconnected:
        return Outcome(template.kind, 0, 0.0, template.refused)
    return Outcome(template.kind, code, latency, template.refused)


def _transaction(smtp: smtplib.SMTP, sender: str, recipient: str, data: bytes) -> int:
    smtp.putcmd("mail", f"FROM:<{sender}> SIZE={len(data)}")
    code = _reply(smtp)
    if code != 250:
        return code
    smtp.putcmd("rcpt", f"TO:<{recipient}>")
    code = _reply(smtp)
    if code not in (250, 251):
        return code
    smtp.putcmd("data")
    code = _reply(smtp)
    if code != 354:
        return code
    assert smtp.sock is not None
    smtp.sock.sendall(data + (b"" if data.endswith(b"\r\n") else b"\r\n") + b".\r\n")
    return _reply(smtp)


@dataclass(frozen=True)
class LoadResult:
    outcomes: tuple[Outcome, ...]
    started: float  # time.monotonic()
    finished: float


def drive(
    endpoint: Endpoint,
    count: int,
    concurrency: int,
    job: Callable[[int], tuple[Template, str, bytes]],
) -> LoadResult:
    """Send ``count`` messages with ``concurrency`` clients; ``job(i)`` renders send i."""

    def run(index: int) -> Outcome:
        template, recipient, data = job(index)
        return send_one(endpoint, template, recipient, data)

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="client") as pool:
        outcomes = tuple(pool.map(run, range(count)))
    return LoadResult(outcomes, started, time.monotonic())
