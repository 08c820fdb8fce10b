"""Gathering the facts of one transaction, step by step, as the MTA reports them.

The milter adapter and ``aduana explain`` both feed this builder, so a message
replayed offline is judged on exactly the facts the daemon would see.
"""

from __future__ import annotations

import email.utils
from dataclasses import dataclass, field, replace
from datetime import datetime
from tempfile import SpooledTemporaryFile

from aduana.mta.addresses import parse_address
from aduana.policy.facts import Envelope, Identity, MessageContent, Provenance, TransactionFacts

_HEADER_OVERHEAD = len(": \r\n")
_END_OF_HEADERS = len("\r\n")
SPOOL_IN_MEMORY_BYTES = 1024 * 1024


def declared_size(params: tuple[str, ...]) -> int | None:
    """The ESMTP ``SIZE=`` value of MAIL FROM, when it is a number."""
    for param in params:
        name, _, value = param.partition("=")
        if name.upper() == "SIZE" and value.isdigit():
            return int(value)
    return None


def _new_spool() -> SpooledTemporaryFile[bytes]:
    # Lives as long as the transaction; TransactionBuilder.close() releases it.
    return SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY_BYTES)


@dataclass
class TransactionBuilder:
    """Facts gathered so far for the current MAIL FROM ... end of data."""

    envelope: Envelope
    identity: Identity
    provenance: Provenance = field(default_factory=Provenance)
    header_bytes: int = 0
    body_bytes: int = 0
    header_from: list[str] = field(default_factory=list)
    headers: list[tuple[str, str]] = field(default_factory=list)
    message: SpooledTemporaryFile[bytes] = field(default_factory=_new_spool)
    """The message as received, in memory up to a threshold, then on disk."""
    _in_body: bool = False

    def close(self) -> None:
        self.message.close()

    def envelope_facts(self, received_at: datetime) -> TransactionFacts:
        return TransactionFacts(
            self.envelope, self.identity, received_at=received_at, provenance=self.provenance
        )

    def add_recipient(self, argument: str) -> None:
        recipients = (*self.envelope.recipients, parse_address(argument))
        self.envelope = replace(self.envelope, recipients=recipients)

    def add_header(self, name: str, value: str) -> None:
        self.header_bytes += len(name) + len(value) + _HEADER_OVERHEAD
        self.headers.append((name, value))
        self.message.write(f"{name}: {value}\r\n".encode("utf-8", "surrogateescape"))
        if name.lower() == "from":
            self.header_from.extend(
                address for _, address in email.utils.getaddresses([value]) if address
            )

    def add_body(self, chunk: bytes) -> None:
        if not self._in_body:
            self.message.write(b"\r\n")
            self._in_body = True
        self.body_bytes += len(chunk)
        self.message.write(chunk)

    def message_facts(self, queue_id: str | None, received_at: datetime) -> TransactionFacts:
        content = MessageContent(
            size=self.header_bytes + _END_OF_HEADERS + self.body_bytes,
            header_from=tuple(self.header_from),
            queue_id=queue_id,
            headers=tuple(self.headers),
        )
        return TransactionFacts(
            self.envelope, self.identity, content, received_at, provenance=self.provenance
        )
