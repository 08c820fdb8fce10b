"""``aduana explain``: judge a message file offline through the same engine."""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from typing import Any

from aduana.facts import Envelope, Identity
from aduana.policy.engine import decide
from aduana.runtime import Runtime
from aduana.transaction import TransactionBuilder
from aduana.verdict import Action, Verdict


@dataclass(frozen=True)
class Submission:
    """What an SMTP client would have sent: envelope plus the message bytes."""

    sender: str
    recipients: tuple[str, ...]
    message: bytes
    login: str | None = None
    declared_size: int | None = None


def _crlf(data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def explain(runtime: Runtime, submission: Submission) -> Verdict:
    """Replay the transaction step by step, as the milter adapter sees it."""
    envelope = Envelope(
        sender=submission.sender,
        login=submission.login,
        declared_size=submission.declared_size,
    )
    directory = runtime.directory
    identity = Identity(
        sender_account=directory.by_address(envelope.sender) if envelope.sender else None,
        login_account=directory.by_login(submission.login) if submission.login else None,
    )
    builder = TransactionBuilder(envelope, identity)
    verdict = decide(runtime.settings, builder.envelope_facts)
    if verdict.action in (Action.REJECT, Action.TEMPFAIL, Action.DISCARD):
        return verdict
    for recipient in submission.recipients:
        builder.add_recipient(recipient)
    data = _crlf(submission.message)
    head, separator, body = data.partition(b"\r\n\r\n")
    message = email.message_from_bytes(head + b"\r\n\r\n", policy=email.policy.compat32)
    for name, value in message.items():
        builder.add_header(name, str(value))
    builder.add_body(body if separator else b"")
    return decide(runtime.settings, builder.message_facts(queue_id=None))


def verdict_as_json(verdict: Verdict) -> dict[str, Any]:
    return {
        "action": verdict.action.value,
        "smtp_reply": str(verdict.reply) if verdict.reply else "",
        "reasons": [
            {
                "rule": r.rule,
                "clause": r.clause,
                "detail": r.detail,
                "enforced": r.enforced,
                "action": r.action.value,
                "organisation": r.organisation,
            }
            for r in verdict.reasons
        ],
    }
