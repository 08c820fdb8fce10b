"""Frozen facts about one SMTP transaction, gathered by the adapter.

Nothing downstream of these types touches raw protocol data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from aduana.content.message_text import MessageText
from aduana.directory.account import Account
from aduana.inspect import MessageInspection


@dataclass(frozen=True)
class Envelope:
    """What the SMTP client said before DATA."""

    sender: str
    login: str | None = None
    declared_size: int | None = None
    recipients: tuple[str, ...] = ()
    client_address: str | None = None

    @property
    def null_sender(self) -> bool:
        return self.sender == ""


@dataclass(frozen=True)
class Identity:
    """Who the directory says is behind the sender address and the login."""

    sender_account: Account | None = None
    login_account: Account | None = None
    sending_suspended: bool = False
    """Sending suspended by escalation of violations (sanctions), until an admin lifts it."""


class Origin(StrEnum):
    """Where a transaction comes from, as aduana establishes it (never as the sender says)."""

    AUTHENTICATED = "authenticated"
    """The MTA reports a SASL login."""
    INTERNAL = "internal"
    """The client address is in an internal network or a trusted relay."""
    INTERNET = "internet"
    """Anything else, including a client whose address is unknown."""


@dataclass(frozen=True)
class Provenance:
    """Who is really sending, decided once from facts the sender cannot forge.

    ``organisation`` governs the mail as its sender (outbound and internal
    rules); ``account`` is the account answerable for it: the login's for an
    authenticated session, the sender address's for an internal client.
    """

    origin: Origin = Origin.INTERNET
    organisation: str | None = None
    account: Account | None = None
    institutional_sender: bool = False
    """The envelope sender is an address in an institutional domain."""
    bounce: bool = False
    """The null sender from an internal client without a login: the MTA's own bounces."""


class ScanResult(StrEnum):
    """clamd's answer about one message."""

    CLEAN = "clean"
    INFECTED = "infected"
    UNAVAILABLE = "unavailable"
    """clamd down, timing out or answering ERROR: an outage, never the message's fault."""
    TOO_LARGE = "too_large"
    """Longer than clamd's StreamMaxLength: the message cannot be scanned."""


@dataclass(frozen=True)
class VirusScan:
    """The antivirus verdict gathered at end of message (checkpoint layer)."""

    result: ScanResult
    signature: str | None = None
    """The signature that matched; logged in the audit event, never in the reply."""
    error: str = ""


@dataclass(frozen=True)
class MessageContent:
    """What the message itself showed at end of data."""

    size: int
    header_from: tuple[str, ...] = ()
    queue_id: str | None = None
    inspection: MessageInspection | None = None
    headers: tuple[tuple[str, str], ...] = ()
    text: MessageText | None = None
    antivirus: VirusScan | None = None
    """None when no antivirus is configured (aduana.yaml `antivirus`)."""

    @property
    def subject(self) -> str | None:
        """The first Subject header as received, if any."""
        return next((v for n, v in self.headers if n.lower() == "subject"), None)


@dataclass(frozen=True)
class WindowActivity:
    """What one sender did within one rolling window, this message included."""

    window: int
    messages: int
    distinct_recipients: int


@dataclass(frozen=True)
class SenderActivity:
    """Counts from the shared counter store, gathered before the engine runs."""

    windows: tuple[WindowActivity, ...] = ()
    one_to_one_window: int | None = None
    near_duplicate_recipients: int | None = None

    def in_window(self, window: int) -> WindowActivity | None:
        return next((w for w in self.windows if w.window == window), None)


@dataclass(frozen=True)
class TransactionFacts:
    """Everything the policy engine may look at for one transaction."""

    envelope: Envelope
    identity: Identity = field(default_factory=Identity)
    content: MessageContent | None = None
    received_at: datetime | None = None
    activity: SenderActivity | None = None
    provenance: Provenance = field(default_factory=Provenance)
    """Defaults to the least trusted origin, the internet."""
