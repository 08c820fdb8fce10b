"""Gathering the facts of one transaction, step by step, as the MTA reports them.

The milter adapter and ``aduana explain`` both feed this builder, so a message
replayed offline is judged on exactly the facts the daemon would see.
"""

from __future__ import annotations

import email.utils
from dataclasses import dataclass, field, replace

from aduana.addresses import parse_address
from aduana.facts import Envelope, Identity, MessageContent, TransactionFacts

_HEADER_OVERHEAD = len(": \r\n")
_END_OF_HEADERS = len("\r\n")


def declared_size(params: tuple[str, ...]) -> int | None:
    """The ESMTP ``SIZE=`` value of MAIL FROM, when it is a number."""
    for param in params:
        name, _, value = param.partition("=")
        if name.upper() == "SIZE" and value.isdigit():
            return int(value)
    return None


@dataclass
class TransactionBuilder:
    """Facts gathered so far for the current MAIL FROM ... end of data."""

    envelope: Envelope
    identity: Identity
    header_bytes: int = 0
    body_bytes: int = 0
    header_from: list[str] = field(default_factory=list)

    @property
    def envelope_facts(self) -> TransactionFacts:
        return TransactionFacts(self.envelope, self.identity)

    def add_recipient(self, argument: str) -> None:
        recipients = (*self.envelope.recipients, parse_address(argument))
        self.envelope = replace(self.envelope, recipients=recipients)

    def add_header(self, name: str, value: str) -> None:
        self.header_bytes += len(name) + len(value) + _HEADER_OVERHEAD
        if name.lower() == "from":
            self.header_from.extend(
                address for _, address in email.utils.getaddresses([value]) if address
            )

    def add_body(self, chunk: bytes) -> None:
        self.body_bytes += len(chunk)

    def message_facts(self, queue_id: str | None) -> TransactionFacts:
        content = MessageContent(
            size=self.header_bytes + _END_OF_HEADERS + self.body_bytes,
            header_from=tuple(self.header_from),
            queue_id=queue_id,
        )
        return TransactionFacts(self.envelope, self.identity, content)
