"""The review desk: list, show, release and delete held messages.

A release re-checks the message against the policy in force, through the same
checkpoints as the daemon and ``aduana explain`` (with empty rate counters),
and releases it only if it now passes, unless the reviewer overrides. Every
release, refused release and delete is recorded in the review ledger, logged as
an audit event, and (except a refused release, which changes nothing) told to
the sender when the sender is one of the institution's accounts: an external
sender address can be forged, and telling it would be backscatter.
"""

from __future__ import annotations

import email
import email.policy
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Protocol

from structlog.typing import FilteringBoundLogger

from aduana.commands.explain import Submission, explain
from aduana.gateway.checkpoint import never_suspended
from aduana.gateway.runtime import Runtime
from aduana.ledger.review import HeldReason, HoldRecord, Review, ReviewAction, ReviewLedger
from aduana.mta.addresses import domain_of
from aduana.policy.organisations import organisation_of
from aduana.policy.verdict import Action, Notice, Verdict
from aduana.quarantine.hold_mark import HOLD_HEADER, clause_key, parse_hold_header
from aduana.quarantine.hold_queue import HoldQueueError, QueuedMessage, Submitter

_PASSING = (Action.ACCEPT, Action.TAG)
_CLOCK_SLACK = timedelta(minutes=5)


class HoldQueue(Protocol):
    """What the desk needs of the MTA's hold queue (hold_queue.PostfixHoldQueue)."""

    def held(self) -> list[QueuedMessage]: ...

    def find(self, queue_id: str) -> QueuedMessage: ...

    def message(self, queue_id: str) -> bytes: ...

    def headers(self, queue_id: str) -> bytes: ...

    def submitter(self, queue_id: str) -> Submitter: ...

    def release(self, queue_id: str) -> None: ...

    def delete(self, queue_id: str) -> None: ...


@dataclass(frozen=True)
class HeldMessage:
    queued: QueuedMessage
    reasons: tuple[HeldReason, ...]
    """Why it was held: from the ledger, else from its X-Aduana-Hold header."""

    @property
    def clauses(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.clause for r in self.reasons))

    @property
    def rules(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.rule for r in self.reasons))


@dataclass(frozen=True)
class ListFilter:
    clause: str | None = None
    sender: str | None = None
    recipient_domain: str | None = None
    older_than: timedelta | None = None
    newer_than: timedelta | None = None

    def admits(self, held: HeldMessage, now: datetime) -> bool:
        queued = held.queued
        age = now - queued.arrival
        return (
            (self.clause is None or clause_key(self.clause) in map(clause_key, held.clauses))
            and (self.sender is None or self.sender.casefold() == queued.sender.casefold())
            and (
                self.recipient_domain is None
                or self.recipient_domain.casefold().strip(".")
                in {domain_of(r) for r in queued.recipients}
            )
            and (self.older_than is None or age >= self.older_than)
            and (self.newer_than is None or age < self.newer_than)
        )


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    size: int


@dataclass(frozen=True)
class Examination:
    """What ``show`` prints: the held message, its headers and attachments, today's verdict."""

    held: HeldMessage
    login: str | None
    headers: tuple[tuple[str, str], ...]
    attachments: tuple[Attachment, ...]
    recheck: Verdict
    body: str | None = None


@dataclass(frozen=True)
class ReleaseOutcome:
    released: bool
    recheck: Verdict

    @property
    def overridden(self) -> bool:
        """Released although the policy in force would still hold or refuse it."""
        return self.released and self.recheck.action not in _PASSING


@dataclass
class ReviewDesk:
    runtime: Runtime
    queue: HoldQueue
    review: ReviewLedger
    notify: Callable[[Notice], None]
    logger: FilteringBoundLogger
    clock: Callable[[], datetime]
    suspended: Callable[[str], bool] = never_suspended
    """Sending suspensions from the ledger, so the re-check sees them as the daemon does."""

    def list_held(self, wanted: ListFilter = ListFilter()) -> list[HeldMessage]:
        now = self.clock()
        return [held for held in self._held_messages() if wanted.admits(held, now)]

    def show(self, queue_id: str, *, with_body: bool = False) -> Examination:
        queued = self.queue.find(queue_id)
        raw = self.queue.message(queue_id)
        submitter = self.queue.submitter(queue_id)
        parsed = _parse(raw)
        return Examination(
            held=self._describe(queued, raw),
            login=submitter.login,
            headers=tuple((name, str(value)) for name, value in parsed.raw_items()),
            attachments=_attachments(parsed),
            recheck=self._recheck(queued, raw, submitter),
            body=_text_body(parsed) if with_body else None,
        )

    def release(
        self, queue_id: str, *, by: str, reason: str, override: bool = False
    ) -> ReleaseOutcome:
        queued = self.queue.find(queue_id)
        raw = self.queue.message(queue_id)
        held = self._describe(queued, raw)
        verdict = self._recheck(queued, raw, self.queue.submitter(queue_id))
        passes = verdict.action in _PASSING
        if not passes and not override:
            self._record(held, ReviewAction.RELEASE_REFUSED, by, reason, override, verdict)
            return ReleaseOutcome(False, verdict)
        self.queue.release(queue_id)
        self._record(held, ReviewAction.RELEASED, by, reason, override, verdict)
        self._tell_sender(held, raw, "review_released", reason)
        return ReleaseOutcome(True, verdict)

    def delete(self, queue_id: str, *, by: str, reason: str) -> None:
        queued = self.queue.find(queue_id)
        raw = self.queue.message(queue_id)
        held = self._describe(queued, raw)
        self.queue.delete(queue_id)
        self._record(held, ReviewAction.DELETED, by, reason, False, None)
        self._tell_sender(held, raw, "review_deleted", reason)

    # ---------------------------------------------------------------------

    def _held_messages(self) -> list[HeldMessage]:
        queued = self.queue.held()
        records = self.review.holds(m.queue_id for m in queued)
        held: list[HeldMessage] = []
        for message in queued:
            record = records.get(message.queue_id)
            if record is not None and _same_message(record, message):
                held.append(HeldMessage(message, record.reasons))
            else:
                held.append(HeldMessage(message, self._from_header(message.queue_id)))
        return held

    def _from_header(self, queue_id: str) -> tuple[HeldReason, ...]:
        """Reasons from the queue file's header: for holds this node's ledger never saw."""
        try:
            return _header_reasons(_parse(self.queue.headers(queue_id)))
        except HoldQueueError as error:
            self.logger.warning("quarantine_header_unreadable", queue_id=queue_id, error=str(error))
            return ()

    def _describe(self, queued: QueuedMessage, raw: bytes) -> HeldMessage:
        record = self.review.holds([queued.queue_id]).get(queued.queue_id)
        if record is not None and _same_message(record, queued):
            return HeldMessage(queued, record.reasons)
        return HeldMessage(queued, _header_reasons(_parse(raw)))

    def _recheck(self, queued: QueuedMessage, raw: bytes, submitter: Submitter) -> Verdict:
        submission = Submission(
            sender=queued.sender,
            recipients=queued.recipients,
            message=_without_hold_header(raw),
            login=submitter.login,
            client_address=submitter.client_address,
        )
        return explain(self.runtime, submission, self.clock().timestamp(), self.suspended)

    def _record(
        self,
        held: HeldMessage,
        action: ReviewAction,
        by: str,
        reason: str,
        override: bool,
        verdict: Verdict | None,
    ) -> None:
        queued = held.queued
        recheck = verdict.action.value if verdict is not None else ""
        # The event first: if the ledger cannot be written, the action is still on record.
        self.logger.info(
            f"quarantine_{action.value}",
            queue_id=queued.queue_id,
            by=by,
            reason=reason,
            override=override,
            clauses=list(held.clauses),
            rules=list(held.rules),
            recheck=recheck or None,
            recheck_reasons=[
                {"rule": r.rule, "clause": r.clause, "enforced": r.enforced}
                for r in (verdict.reasons if verdict is not None else ())
            ],
            sender=queued.sender,
            recipient_count=len(queued.recipients),
            held_since=queued.arrival.isoformat(),
        )
        self.review.record_review(
            Review(
                at=self.clock(), queue_id=queued.queue_id, action=action, by=by, reason=reason,
                override=override, recheck=recheck, clauses=held.clauses, sender=queued.sender,
            )
        )  # fmt: skip

    def _tell_sender(self, held: HeldMessage, raw: bytes, action_key: str, reason: str) -> None:
        settings = self.runtime.settings
        queued = held.queued
        organisation = organisation_of(settings, queued.sender) if queued.sender else None
        if organisation is None:
            return
        templates = settings.templates
        language = organisation.language
        action = templates.render(language, action_key)
        subject = _parse(raw).get("Subject")
        self.notify(
            Notice(
                sender=organisation.notices.sender or f"postmaster@{organisation.domains[0]}",
                to=queued.sender,
                subject=templates.render(
                    language, "review_subject", action=action, queue_id=queued.queue_id
                ),
                body=templates.render(
                    language,
                    "review_body",
                    sender=queued.sender,
                    recipients=", ".join(queued.recipients) or "-",
                    subject=str(subject) if subject is not None else "",
                    when=queued.arrival.astimezone(settings.zone).strftime("%Y-%m-%d %H:%M %Z"),
                    queue_id=queued.queue_id,
                    action=action,
                    clauses=", ".join(held.clauses) or "-",
                    reason=reason,
                ),
            )
        )


def _same_message(record: HoldRecord, queued: QueuedMessage) -> bool:
    """Postfix reuses short queue ids: a record from before the message arrived is another's."""
    return record.held_at >= queued.arrival - _CLOCK_SLACK


def _parse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)  # policy.default always builds EmailMessage
    return message


def _header_reasons(message: EmailMessage) -> tuple[HeldReason, ...]:
    found: list[HeldReason] = []
    for value in message.get_all(HOLD_HEADER) or ():
        found += [HeldReason(h.rule, h.clause, "") for h in parse_hold_header(str(value))]
    return tuple(found)


def _without_hold_header(raw: bytes) -> bytes:
    """The message as the sender sent it: without the header aduana added when it held it."""
    head, separator, body = raw.partition(b"\n\n")
    kept: list[bytes] = []
    skipping = False
    wanted = HOLD_HEADER.lower().encode() + b":"
    for line in head.split(b"\n"):
        if line[:1] in (b" ", b"\t"):
            if not skipping:
                kept.append(line)
            continue
        skipping = line.lower().startswith(wanted)
        if not skipping:
            kept.append(line)
    return b"\n".join(kept) + separator + body


def _attachments(message: EmailMessage) -> tuple[Attachment, ...]:
    found: list[Attachment] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        filename = part.get_filename()
        if filename is None and part.get_content_disposition() != "attachment":
            continue
        payload = part.get_payload(decode=True)
        size = len(payload) if isinstance(payload, bytes) else 0
        found.append(Attachment(filename or "(sin nombre)", part.get_content_type(), size))
    return tuple(found)


def _text_body(message: EmailMessage) -> str:
    texts: list[str] = []
    for part in message.walk():
        if part.get_content_type() != "text/plain" or part.get_filename() is not None:
            continue
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            charset = part.get_content_charset() or "utf-8"
            try:
                texts.append(payload.decode(charset, errors="replace"))
            except LookupError:  # an unknown charset name
                texts.append(payload.decode("utf-8", errors="replace"))
    return "\n".join(texts)
