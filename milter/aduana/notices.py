"""Sending notices (to senders and unit administrators) through the MTA.

Notices go out from the null sender, so they never bounce back in a loop, and
are marked Auto-Submitted. They are sent from a background thread so a slow
MTA never delays the milter's reply; the decision itself always stands.

By default a notice is handed to the MTA's local ``sendmail`` command, which
writes it to the MTA's queue on disk: it survives the SMTP listener being down
or busy, a restart of the MTA, and the daemon stopping right after. The MTA's
pickup then delivers it (Postfix: postdrop → maildrop → pickup; it does not
pass smtpd_milters, so a notice is never filtered again). ``transport: smtp``
submits to a listener instead, once. A notice the MTA did not take (the
command failed or timed out, SMTP refused) is lost: it is logged
(``notice_failed``) and counted (``aduana_notices_total{result="failure"}``),
which the AduanaNoticesFailing alert watches.
"""

from __future__ import annotations

import smtplib
import subprocess
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from aduana.config.schema import NoticeDelivery
from aduana.observability.metrics import Metrics
from aduana.verdict import Notice

# The MTA's own words when sendmail fails, cut short for the log.
_STDERR_LIMIT = 300


class NoticeNotSubmittedError(Exception):
    """The MTA did not take the notice."""


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


def submit_with_sendmail(delivery: NoticeDelivery, notice: Notice) -> None:
    """Hand the notice to the MTA's sendmail: ``COMMAND -i -f <> -- RECIPIENT``."""
    command = [*delivery.sendmail_command, "-i", "-f", "<>", "--", notice.to]
    try:
        result = subprocess.run(
            command,
            input=compose(notice).as_bytes(),
            capture_output=True,
            timeout=delivery.timeout_seconds,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise NoticeNotSubmittedError(f"{command[0]}: {error}") from error
    if result.returncode != 0:
        said = result.stderr.decode(errors="replace").strip()[:_STDERR_LIMIT]
        raise NoticeNotSubmittedError(f"{command[0]} exited {result.returncode}: {said}")


def submit_with_smtp(delivery: NoticeDelivery, notice: Notice) -> None:
    try:
        with smtplib.SMTP(
            delivery.smtp_host, delivery.smtp_port, timeout=delivery.timeout_seconds
        ) as smtp:
            smtp.send_message(compose(notice), from_addr="", to_addrs=[notice.to])
    except (smtplib.SMTPException, OSError) as error:
        raise NoticeNotSubmittedError(
            f"smtp {delivery.smtp_host}:{delivery.smtp_port}: {error}"
        ) from error


_TRANSPORTS = {"sendmail": submit_with_sendmail, "smtp": submit_with_smtp}


class Notifier:
    def __init__(self, delivery: NoticeDelivery, metrics: Metrics, logger: Any) -> None:
        self._delivery = delivery
        self._submit = _TRANSPORTS[delivery.transport]
        self._metrics = metrics
        self._logger = logger
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="notices")

    def send(self, notice: Notice) -> None:
        if self._delivery.enabled:
            self._pool.submit(self._deliver, notice)

    def _deliver(self, notice: Notice) -> None:
        try:
            self._submit(self._delivery, notice)
        except NoticeNotSubmittedError as error:
            self._metrics.notices.labels(result="failure").inc()
            self._logger.error(
                "notice_failed",
                to=notice.to,
                transport=self._delivery.transport,
                subject=notice.subject,
                error=str(error),
            )
            return
        self._metrics.notices.labels(result="sent").inc()
        self._logger.info(
            "notice_sent", to=notice.to, subject=notice.subject, transport=self._delivery.transport
        )

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)
