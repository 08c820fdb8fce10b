"""``aduana explain``: judge a message file offline through the same engine."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from prometheus_client import CollectorRegistry

from aduana.gateway.checkpoint import (
    ENVELOPE_ACTIONS,
    at_end_of_message,
    at_mail_from,
    never_suspended,
)
from aduana.gateway.runtime import Runtime
from aduana.gateway.send_counts import SendCounter
from aduana.observability.metrics import Metrics
from aduana.policy.facts import Envelope
from aduana.policy.verdict import Verdict
from aduana.state import MemoryCounterStore


@dataclass(frozen=True)
class Submission:
    """What an SMTP client would have sent: envelope plus the message bytes."""

    sender: str
    recipients: tuple[str, ...]
    message: bytes
    login: str | None = None
    declared_size: int | None = None
    client_address: str | None = None
    """As the MTA would report it; without one the mail is from the internet, as in the daemon."""


def _crlf(data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def explain(
    runtime: Runtime,
    submission: Submission,
    now: float,
    suspended: Callable[[str], bool] = never_suspended,
) -> Verdict:
    """Replay the transaction through both checkpoints, as the milter adapter does.

    Counters start empty: rate and one-to-one rules see only this message.
    ``suspended`` answers for sending suspensions (none, unless the caller has a ledger).
    """
    envelope = Envelope(
        sender=submission.sender,
        login=submission.login,
        declared_size=submission.declared_size,
        client_address=submission.client_address,
    )
    builder, _, verdict = at_mail_from(runtime, envelope, now, suspended)
    if verdict.action in ENVELOPE_ACTIONS:
        return verdict
    for recipient in submission.recipients:
        builder.add_recipient(recipient)
    data = _crlf(submission.message)
    head, separator, body = data.partition(b"\r\n\r\n")
    message = email.message_from_bytes(head + b"\r\n\r\n", policy=email.policy.compat32)
    for name, value in message.items():
        builder.add_header(name, str(value))
    builder.add_body(body if separator else b"")
    activity = SendCounter(MemoryCounterStore(), Metrics.create(CollectorRegistry()))
    _, verdict, _ = at_end_of_message(runtime, builder, activity, None, now)
    builder.close()
    return verdict


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
                "lifted_by": r.lifted_by,
            }
            for r in verdict.reasons
        ],
    }
