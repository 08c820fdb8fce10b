"""The two checkpoints of a transaction: at MAIL FROM and at end of message.

Both the milter adapter and ``aduana explain`` go through these functions, so
an offline verdict is reached exactly as the daemon reaches it. Directory,
counter-store and clamd I/O happens here; the engine itself stays pure.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from aduana.config.loader import Settings
from aduana.content.message_text import MessageText, body_text
from aduana.directory.account import Account, Directory
from aduana.gateway.inspection_pool import InlineInspector, Inspector
from aduana.gateway.runtime import Runtime
from aduana.gateway.send_counts import PendingSend, SendCounter
from aduana.gateway.transaction import TransactionBuilder
from aduana.inspect import InspectionLimits
from aduana.policy.engine import decide
from aduana.policy.facts import Envelope, Identity, Provenance, TransactionFacts
from aduana.policy.origin import establish
from aduana.policy.scope import governing_organisations
from aduana.policy.verdict import Action, Verdict

INLINE = InlineInspector()
# Quarantine can only be applied at end of message, so it is decided again there.
ENVELOPE_ACTIONS = (Action.REJECT, Action.TEMPFAIL, Action.DISCARD)


def inspection_limits(settings: Settings) -> InspectionLimits:
    limits = settings.daemon.inspection
    return InspectionLimits(
        max_archive_depth=limits.max_archive_depth,
        max_members=limits.max_members,
        max_total_bytes=int(limits.max_total_bytes),
        max_ratio=limits.max_ratio,
        time_budget=limits.time_budget_seconds,
    )


def never_suspended(address: str) -> bool:
    return False


def needs_text(settings: Settings, facts: TransactionFacts) -> bool:
    """Extract text only when a content or DLP rule could read it."""
    return any(
        org.rules.content is not None or org.rules.dlp is not None
        for org in governing_organisations(settings, facts)
    )


def login_account(directory: Directory, login: str) -> Account | None:
    """The login's account; a short login's owner may also log in with the full address."""
    account = directory.by_login(login)
    if account is None and "@" in login:
        owner = directory.by_address(login)
        if owner is not None and owner.address.casefold() == login.casefold():
            account = owner
    return account


def identify(
    settings: Settings,
    directory: Directory,
    envelope: Envelope,
    suspended: Callable[[str], bool],
) -> tuple[Identity, Provenance]:
    """The directory's answers, and from them and the client, who is really sending."""
    sender_account = directory.by_address(envelope.sender) if envelope.sender else None
    logged_in = login_account(directory, envelope.login) if envelope.login else None
    provenance = establish(settings, envelope, sender_account, logged_in)
    answerable = provenance.account
    identity = Identity(
        sender_account=sender_account,
        login_account=logged_in,
        sending_suspended=answerable is not None and suspended(answerable.address),
    )
    return identity, provenance


def at_mail_from(
    runtime: Runtime,
    envelope: Envelope,
    now: float,
    suspended: Callable[[str], bool] = never_suspended,
) -> tuple[TransactionBuilder, TransactionFacts, Verdict]:
    identity, provenance = identify(runtime.settings, runtime.directory, envelope, suspended)
    builder = TransactionBuilder(envelope, identity, provenance)
    facts = builder.envelope_facts(datetime.fromtimestamp(now, UTC))
    return builder, facts, decide(runtime.settings, facts)


def at_end_of_message(
    runtime: Runtime,
    builder: TransactionBuilder,
    send_counts: SendCounter,
    queue_id: str | None,
    now: float,
    inspector: Inspector = INLINE,
) -> tuple[TransactionFacts, Verdict, PendingSend | None]:
    """Decide the whole message. The caller stores the pending send once the verdict
    is applied (`SendCounter.record`), so only sent mail counts."""
    facts = builder.message_facts(queue_id, datetime.fromtimestamp(now, UTC))
    text: MessageText | None = None
    if facts.content is not None:
        inspection, text = inspector.inspect(
            builder.message, facts.content.size, inspection_limits(runtime.settings),
            needs_text(runtime.settings, facts),
        )  # fmt: skip
        facts = replace(facts, content=replace(facts.content, inspection=inspection, text=text))
    if facts.content is not None and runtime.scanner is not None:
        scan = runtime.scanner.scan(builder.message)
        facts = replace(facts, content=replace(facts.content, antivirus=scan))
    sender_activity, pending = send_counts.gather(
        runtime.settings, facts, lambda: text.body if text else body_text(builder.message), now
    )
    facts = replace(facts, activity=sender_activity)
    return facts, decide(runtime.settings, facts), pending
