"""Facts for engine tables, built through the checkpoint's own identity decision.

Tables state the envelope and the client; who is really sending is then decided
exactly as the daemon decides it (``checkpoint.identify``), never assumed.
"""

from __future__ import annotations

from datetime import datetime

from aduana.gateway.checkpoint import identify, never_suspended
from aduana.gateway.runtime import Runtime
from aduana.policy.facts import Envelope, MessageContent, SenderActivity, TransactionFacts

INTERNAL_CLIENT = "127.0.0.1"
"""In the shipped config's internal networks."""
INTERNET_CLIENT = "203.0.113.25"
"""Outside every configured network (TEST-NET-3: never a destination)."""


def judged_facts(
    runtime: Runtime,
    envelope: Envelope,
    content: MessageContent | None = None,
    *,
    received_at: datetime | None = None,
    activity: SenderActivity | None = None,
) -> TransactionFacts:
    identity, provenance = identify(runtime.settings, runtime.directory, envelope, never_suspended)
    return TransactionFacts(envelope, identity, content, received_at, activity, provenance)
