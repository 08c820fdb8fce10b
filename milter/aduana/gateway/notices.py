"""Sending notices (to senders and unit administrators) through the MTA.

Notices go out from the null sender, so they never bounce back in a loop, and
are marked Auto-Submitted. They are sent from a background thread so a slow
MTA never delays the milter's reply; a failure is logged and counted, and the
decision itself stands.
"""

from __future__ import annotations

import smtplib
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from structlog.typing import FilteringBoundLogger

from aduana.config.schema import NoticeDelivery
from aduana.observability.metrics import Metrics
from aduana.policy.verdict import Notice


def compose(notice: Notice) -> EmailMessage:
    message = EmailMessage()
    message["From"] = notice.sender
    message["To"] = notice.to
    message["Subject"] = notice.subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=notice.sender.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"
    message["X-Aduana-Notice"] = "yes"
    message.set_content(notice.body)
    return message


class Notifier:
    def __init__(
        self, delivery: NoticeDelivery, metrics: Metrics, logger: FilteringBoundLogger
    ) -> None:
        self._delivery = delivery
        self._metrics = metrics
        self._logger = logger
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="notices")

    def send(self, notice: Notice) -> None:
        if self._delivery.enabled:
            self._pool.submit(self._deliver, notice)

    def _deliver(self, notice: Notice) -> None:
        delivery = self._delivery
        try:
            with smtplib.SMTP(
                delivery.smtp_host, delivery.smtp_port, timeout=delivery.timeout_seconds
            ) as smtp:
                smtp.send_message(compose(notice), from_addr="", to_addrs=[notice.to])
        except (smtplib.SMTPException, OSError) as error:
            self._metrics.notices.labels(result="failure").inc()
            self._logger.warning("notice_failed", to=notice.to, error=str(error))
            return
        self._metrics.notices.labels(result="sent").inc()
        self._logger.info("notice_sent", to=notice.to, subject=notice.subject)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)
