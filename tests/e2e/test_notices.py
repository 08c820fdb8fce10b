"""Notices reach the sender through the MTA's sendmail and its on-disk queue, or are counted lost.

These drive the notifier directly against a real private Postfix and its
``sendmail`` (with ``-C``, the instance's configuration directory).
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

import pytest
import structlog
from prometheus_client import CollectorRegistry

from aduana.config.schema import NoticeDelivery
from aduana.notices import Notifier
from aduana.observability.metrics import Metrics
from aduana.verdict import Notice

from .harness import PostfixFactory, PrivatePostfix, RecordingSink

SENDMAIL = "/usr/sbin/sendmail"
NOTICE = Notice(
    sender="postmaster@sre.gob.mx",
    to="analista.prueba@sre.gob.mx",
    subject="Mensaje retenido (SRE 9.i)",
    body="Su mensaje «Informe» fue retenido para revisión.",
)


class Sent:
    """What one notifier did: its metrics and its log events."""

    def __init__(self, metrics: Metrics, logs: list[MutableMapping[str, Any]]) -> None:
        self.metrics = metrics
        self.logs = logs

    def count(self, result: str) -> float:
        return (
            self.metrics.registry.get_sample_value("aduana_notices_total", {"result": result})
            or 0.0
        )

    def events(self, name: str) -> list[MutableMapping[str, Any]]:
        return [entry for entry in self.logs if entry["event"] == name]


def notify(delivery: NoticeDelivery, *notices: Notice) -> Sent:
    metrics = Metrics.create(CollectorRegistry())
    with structlog.testing.capture_logs() as logs:
        notifier = Notifier(delivery, metrics, structlog.get_logger("aduana"))
        for notice in notices:
            notifier.send(notice)
        notifier.close()
    return Sent(metrics, logs)


def through(gateway: PrivatePostfix) -> NoticeDelivery:
    return NoticeDelivery(
        transport="sendmail", sendmail_command=(SENDMAIL, "-C", str(gateway.config_dir))
    )


@pytest.fixture
def gateway(postfix_factory: PostfixFactory) -> PrivatePostfix:
    return postfix_factory()


def test_a_notice_goes_through_sendmail_from_the_null_sender(
    gateway: PrivatePostfix, sink: RecordingSink
) -> None:
    sent = notify(through(gateway), NOTICE)

    [delivered] = sink.wait_for(timeout=15)
    assert delivered.mail_from == "<>"
    assert delivered.rcpt_tos == (NOTICE.to,)
    assert delivered.header("Subject") == NOTICE.subject
    assert delivered.header("Auto-Submitted") == "auto-generated"
    assert "retenido para revisión" in delivered.message.get_content()
    assert sent.count("sent") == 1
    assert [e["transport"] for e in sent.events("notice_sent")] == ["sendmail"]


def test_a_notice_waits_on_disk_while_the_mta_is_down_and_leaves_when_it_is_back(
    gateway: PrivatePostfix, sink: RecordingSink
) -> None:
    gateway.stop()

    sent = notify(through(gateway), NOTICE)
    queued = sorted(path.name for path in (gateway.queue_dir / "maildrop").iterdir())
    gateway.start()

    assert sent.count("sent") == 1
    assert len(queued) == 1
    [delivered] = sink.wait_for(timeout=20)
    assert delivered.rcpt_tos == (NOTICE.to,)


@pytest.mark.parametrize(
    ("delivery", "said"),
    [
        pytest.param(
            NoticeDelivery(
                transport="sendmail", sendmail_command=(SENDMAIL, "-C", "/nonexistent/postfix")
            ),
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
def test_a_notice_the_mta_did_not_take_is_counted_and_logged(
    delivery: NoticeDelivery, said: str
) -> None:
    sent = notify(delivery, NOTICE, NOTICE)

    assert sent.count("failure") == 2
    assert sent.count("sent") == 0
    [first, _] = sent.events("notice_failed")
    assert first["log_level"] == "error"
    assert first["to"] == NOTICE.to
    assert said in str(first["error"])
