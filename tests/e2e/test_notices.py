"""Notices are queued on disk and handed to the MTA until it takes them; lost ones are counted.

These drive the notifier against a real private Postfix: its ``sendmail``
(with ``-C``, the instance's configuration directory) and its SMTP listener.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, MutableMapping
from pathlib import Path
from typing import Any

import pytest
import structlog
from prometheus_client import CollectorRegistry

from aduana.config.schema import NoticeDelivery
from aduana.gateway.notices import Notifier
from aduana.observability.metrics import Metrics
from aduana.policy.verdict import Notice

from .harness import PostfixFactory, PrivatePostfix, RecordingSink, wait_until

SENDMAIL = "/usr/sbin/sendmail"
NOTICE = Notice(
    sender="postmaster@sre.gob.mx",
    to="analista.prueba@sre.gob.mx",
    subject="Mensaje retenido (SRE 9.i)",
    body="Su mensaje «Informe» fue retenido para revisión.",
)


class Notices:
    """One notifier over a spool in the test's directory, with its metrics and log events."""

    def __init__(self, delivery: NoticeDelivery, spool: Path) -> None:
        self.spool = spool
        self.metrics = Metrics.create(CollectorRegistry())
        self._capture = structlog.testing.capture_logs()
        self.logs: list[MutableMapping[str, Any]] = self._capture.__enter__()
        self.notifier = Notifier(delivery, spool, self.metrics, structlog.get_logger("aduana"))
        self.closed = False

    def send(self, *notices: Notice) -> Notices:
        for notice in notices:
            self.notifier.send(notice)
        assert self.notifier.flush(timeout=20)
        return self

    def close(self) -> None:
        """Stop the notifier (idempotent): its queue stays on disk for the next one."""
        if self.closed:
            return
        self.closed = True
        self.notifier.close()
        self._capture.__exit__(None, None, None)

    def count(self, result: str) -> float:
        value = self.metrics.registry.get_sample_value("aduana_notices_total", {"result": result})
        return value or 0.0

    @property
    def queued(self) -> float:
        return self.metrics.registry.get_sample_value("aduana_notices_queued") or 0.0

    def events(self, name: str) -> list[MutableMapping[str, Any]]:
        return [entry for entry in self.logs if entry["event"] == name]


@pytest.fixture
def open_notices(tmp_path: Path) -> Iterator[Any]:
    opened: list[Notices] = []

    def open_(delivery: NoticeDelivery) -> Notices:
        opened.append(Notices(delivery, tmp_path / "spool"))
        return opened[-1]

    yield open_
    for notices in reversed(opened):
        notices.close()


def sendmail_of(gateway: PrivatePostfix) -> NoticeDelivery:
    return NoticeDelivery(
        transport="sendmail", sendmail_command=(SENDMAIL, "-C", str(gateway.config_dir))
    )


def smtp_of(gateway: PrivatePostfix, **options: Any) -> NoticeDelivery:
    return NoticeDelivery(
        transport="smtp", smtp_host=gateway.host, smtp_port=gateway.port, timeout_seconds=2,
        **options,
    )  # fmt: skip


@pytest.fixture
def gateway(postfix_factory: PostfixFactory) -> PrivatePostfix:
    return postfix_factory()


def test_a_notice_goes_through_sendmail_from_the_null_sender(
    gateway: PrivatePostfix, sink: RecordingSink, open_notices: Any
) -> None:
    notices = open_notices(sendmail_of(gateway)).send(NOTICE)

    [delivered] = sink.wait_for(timeout=15)
    assert delivered.mail_from == "<>"
    assert delivered.rcpt_tos == (NOTICE.to,)
    assert delivered.header("Subject") == NOTICE.subject
    assert delivered.header("Auto-Submitted") == "auto-generated"
    assert "retenido para revisión" in delivered.message.get_content()
    assert notices.count("sent") == 1
    assert notices.queued == 0
    assert [e["transport"] for e in notices.events("notice_sent")] == ["sendmail"]


def test_sendmail_keeps_a_notice_on_the_mtas_disk_while_postfix_is_stopped(
    gateway: PrivatePostfix, sink: RecordingSink, open_notices: Any
) -> None:
    gateway.stop()

    notices = open_notices(sendmail_of(gateway)).send(NOTICE)
    in_maildrop = list((gateway.queue_dir / "maildrop").iterdir())
    gateway.start()

    assert notices.count("sent") == 1
    assert len(in_maildrop) == 1
    [delivered] = sink.wait_for(timeout=20)
    assert delivered.rcpt_tos == (NOTICE.to,)


@pytest.mark.parametrize(
    ("delivery", "said"),
    [
        pytest.param(
            NoticeDelivery(transport="sendmail", sendmail_command=(SENDMAIL, "-C", "/nonexistent")),
            "exited",
            id="sendmail refuses",
        ),
        pytest.param(
            NoticeDelivery(transport="sendmail", sendmail_command=("/nonexistent/sendmail",)),
            "No such file",
            id="no sendmail",
        ),
        pytest.param(
            NoticeDelivery(transport="smtp", smtp_host="127.0.0.1", smtp_port=9, timeout_seconds=2),
            "smtp 127.0.0.1:9",
            id="smtp listener down",
        ),
    ],
)
def test_a_notice_the_mta_does_not_take_stays_queued_on_disk(
    delivery: NoticeDelivery, said: str, open_notices: Any, tmp_path: Path
) -> None:
    notices = open_notices(delivery).send(NOTICE, NOTICE)

    assert notices.count("deferred") == 2
    assert notices.count("sent") == 0
    assert notices.queued == 2
    assert len(list((tmp_path / "spool").glob("*.json"))) == 2
    [first, _] = notices.events("notice_deferred")
    assert first["log_level"] == "warning"
    assert first["to"] == NOTICE.to
    assert said in str(first["error"])


def test_a_queued_notice_is_sent_once_the_smtp_listener_is_back(
    gateway: PrivatePostfix, sink: RecordingSink, open_notices: Any
) -> None:
    gateway.stop()
    notices = open_notices(smtp_of(gateway, retry_seconds=1)).send(NOTICE)
    assert notices.queued == 1

    gateway.start()

    [delivered] = sink.wait_for(timeout=20)
    assert delivered.mail_from == "<>"
    assert delivered.header("Subject") == NOTICE.subject
    assert wait_until(lambda: notices.count("sent") == 1 and notices.queued == 0, timeout=10)


def test_notices_left_queued_by_a_stopped_daemon_are_sent_by_the_next_one(
    gateway: PrivatePostfix, sink: RecordingSink, open_notices: Any
) -> None:
    gateway.stop()
    open_notices(smtp_of(gateway)).send(NOTICE).close()
    gateway.start()

    restarted = open_notices(smtp_of(gateway))

    [delivered] = sink.wait_for(timeout=20)
    assert delivered.rcpt_tos == (NOTICE.to,)
    assert wait_until(lambda: restarted.count("sent") == 1, timeout=10)


def test_a_notice_undelivered_past_give_up_after_is_kept_aside_and_counted_lost(
    open_notices: Any, tmp_path: Path
) -> None:
    down = NoticeDelivery(
        transport="smtp", smtp_host="127.0.0.1", smtp_port=9, timeout_seconds=1,
        retry_seconds=1, give_up_after=1,
    )  # fmt: skip
    notices = open_notices(down).send(NOTICE)
    time.sleep(1.2)

    assert wait_until(lambda: notices.count("failure") == 1, timeout=10)
    assert wait_until(lambda: notices.queued == 0, timeout=5)
    assert len(list((tmp_path / "spool" / "failed").glob("*.json"))) == 1
    [lost] = notices.events("notice_failed")
    assert lost["log_level"] == "error"
    assert "smtp 127.0.0.1:9" in str(lost["error"])


def test_a_notice_of_many_lines_reaches_a_strict_smtp_server(
    sink: RecordingSink, open_notices: Any
) -> None:
    """aiosmtpd, unlike Postfix, refuses bare LF line ends ("Line too long")."""
    lines = "\n".join(
        f"- cuenta{n}@sre.gob.mx (Analista, Enlace): 2026-01-0{n % 9 + 1}" for n in range(40)
    )
    listing = Notice(NOTICE.sender, NOTICE.to, "Cuentas sin actividad", lines)
    direct = NoticeDelivery(transport="smtp", smtp_host="127.0.0.1", smtp_port=sink.port)

    notices = open_notices(direct).send(listing)

    [delivered] = sink.wait_for(timeout=10)
    assert delivered.message.get_content().strip() == lines
    assert notices.count("sent") == 1
