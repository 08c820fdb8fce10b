"""Sending notices (to senders and unit administrators) through the MTA.

Notices go out from the null sender, so they never bounce back in a loop, and
are marked Auto-Submitted. The decision itself always stands.

A notice is first written to a small on-disk queue (`NoticeSpool`), then a
background thread hands it to the MTA, so a slow MTA never delays the milter's
reply and nothing is lost when the MTA is down or aduana restarts:

- ``transport: sendmail`` runs the MTA's local sendmail command, which puts
  the notice in the MTA's own queue on disk (Postfix: postdrop → maildrop →
  pickup, which does not apply smtpd_milters, so it is not filtered again);
- ``transport: smtp`` submits it to a listener.

A notice the MTA did not take stays queued and is tried again every
``retry_seconds`` (``notice_deferred``, ``aduana_notices_total{result="deferred"}``);
after ``give_up_after`` it is moved to ``failed/`` (``notice_failed``,
``result="failure"``). ``aduana_notices_queued`` is the queue's length. The
AduanaNoticesQueued and AduanaNoticesFailed alerts watch both.
"""

from __future__ import annotations

import smtplib
import subprocess
import threading
import time
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from structlog.typing import FilteringBoundLogger

from aduana.clock import Clock
from aduana.config.loader import Settings
from aduana.config.schema import NoticeDelivery
from aduana.gateway.notice_spool import NoticeSpool, SpooledNotice
from aduana.observability.metrics import Metrics
from aduana.policy.verdict import Notice

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


def submit_with_sendmail(delivery: NoticeDelivery, to: str, message: bytes) -> None:
    """Hand the notice to the MTA's sendmail: ``COMMAND -i -f <> -- RECIPIENT``."""
    command = [*delivery.sendmail_command, "-i", "-f", "<>", "--", to]
    try:
        result = subprocess.run(
            command,
            input=message,
            capture_output=True,
            timeout=delivery.timeout_seconds,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise NoticeNotSubmittedError(f"{command[0]}: {error}") from error
    if result.returncode != 0:
        said = result.stderr.decode(errors="replace").strip()[:_STDERR_LIMIT]
        raise NoticeNotSubmittedError(f"{command[0]} exited {result.returncode}: {said}")


def submit_with_smtp(delivery: NoticeDelivery, to: str, message: bytes) -> None:
    try:
        with smtplib.SMTP(
            delivery.smtp_host, delivery.smtp_port, timeout=delivery.timeout_seconds
        ) as smtp:
            # smtplib sends bytes as they are; SMTP wants CRLF line ends (the queue keeps LF).
            smtp.sendmail("", [to], message.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    except (smtplib.SMTPException, OSError) as error:
        raise NoticeNotSubmittedError(
            f"smtp {delivery.smtp_host}:{delivery.smtp_port}: {error}"
        ) from error


_TRANSPORTS = {"sendmail": submit_with_sendmail, "smtp": submit_with_smtp}


def spool_dir(settings: Settings) -> Path:
    """``notices.spool_dir``, or notices/ beside the ledger's SQLite file."""
    daemon = settings.daemon
    if daemon.notices.spool_dir is not None:
        return settings.path(daemon.notices.spool_dir)
    return settings.path(daemon.ledger.path).parent / "notices"


class Notifier:
    """Queues notices on disk and hands them to the MTA from one background thread."""

    def __init__(
        self,
        delivery: NoticeDelivery,
        spool_dir: Path,
        metrics: Metrics,
        logger: FilteringBoundLogger,
        *,
        wall_clock: Clock = time.time,
    ) -> None:
        self._delivery = delivery
        self._submit = _TRANSPORTS[delivery.transport]
        self._spool = NoticeSpool(spool_dir)
        self._metrics = metrics
        self._logger = logger
        self._now = wall_clock
        self._retry_at: dict[Path, float] = {}
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        if delivery.enabled:
            # Notices left by the previous run are sent first.
            self._thread = threading.Thread(target=self._run, name="notices", daemon=True)
            self._thread.start()

    def send(self, notice: Notice) -> None:
        if not self._delivery.enabled:
            return
        try:
            self._spool.add(notice.to, compose(notice).as_bytes(), self._now())
        except OSError as error:
            self._metrics.notices.labels(result="failure").inc()
            self._logger.error("notice_failed", to=notice.to, stage="queue", error=str(error))
            return
        self._metrics.notices_queued.set(len(self._spool))
        self._wake.set()

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            self._deliver_due()
            self._wake.wait(timeout=self._delivery.retry_seconds)

    def _deliver_due(self) -> None:
        for spooled in self._spool.pending():
            if self._stopping.is_set():
                return
            if self._retry_at.get(spooled.path, 0.0) <= self._now():
                self._deliver(spooled)
        self._metrics.notices_queued.set(len(self._spool))

    def _deliver(self, spooled: SpooledNotice) -> None:
        transport = self._delivery.transport
        try:
            self._submit(self._delivery, spooled.to, spooled.message)
        except NoticeNotSubmittedError as error:
            now = self._now()
            if now - spooled.queued_at >= self._delivery.give_up_after:
                self._retry_at.pop(spooled.path, None)
                self._spool.set_aside(spooled.path)
                self._metrics.notices.labels(result="failure").inc()
                self._logger.error(
                    "notice_failed", to=spooled.to, transport=transport, error=str(error),
                    kept_in=str(self._spool.failed_directory),
                )  # fmt: skip
                return
            self._retry_at[spooled.path] = now + self._delivery.retry_seconds
            self._metrics.notices.labels(result="deferred").inc()
            self._logger.warning(
                "notice_deferred", to=spooled.to, transport=transport, error=str(error),
                retry_in_seconds=self._delivery.retry_seconds,
            )  # fmt: skip
            return
        self._retry_at.pop(spooled.path, None)
        self._spool.remove(spooled)
        self._metrics.notices.labels(result="sent").inc()
        self._logger.info("notice_sent", to=spooled.to, transport=transport)

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until the queue is empty or every notice in it waits for a retry."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pending = self._spool.pending()
            if all(self._retry_at.get(p.path, 0.0) > self._now() for p in pending):
                return True
            self._wake.set()
            time.sleep(0.05)
        return False

    def close(self) -> None:
        """Stop the thread; notices still queued are sent by the next run."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=self._delivery.timeout_seconds + 1)
