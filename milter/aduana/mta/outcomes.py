"""The outcome of a transaction for the MTA, and the SMTP replies aduana may give.

Only legal replies can be built: a permanent refusal carries a 5xx code with a
5.x.x enhanced status, a temporary one a 4xx code with a 4.x.x status.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

_ENHANCED_STATUS = re.compile(r"^([45])\.\d{1,3}\.\d{1,3}$")
_MAX_REPLY_TEXT = 400


class Action(StrEnum):
    """The outcome of a transaction, from the MTA's point of view."""

    ACCEPT = "accept"
    TAG = "tag"
    """Accept, with X-Aduana-* headers (and an optional subject prefix)."""
    REJECT = "reject"
    TEMPFAIL = "tempfail"
    DISCARD = "discard"
    QUARANTINE = "quarantine"

    @property
    def precedence(self) -> int:
        """Higher wins when several reasons ask for different actions."""
        return _PRECEDENCE[self]


_PRECEDENCE = {
    Action.ACCEPT: 0,
    Action.TAG: 1,
    Action.QUARANTINE: 2,
    Action.DISCARD: 3,
    Action.TEMPFAIL: 4,
    Action.REJECT: 5,
}


@dataclass(frozen=True)
class SmtpReply:
    """An SMTP refusal: basic code, enhanced status code and ASCII text."""

    code: int
    status: str
    text: str

    def __post_init__(self) -> None:
        match = _ENHANCED_STATUS.match(self.status)
        if match is None:
            raise ValueError(f"not an enhanced status code: {self.status!r}")
        if not 400 <= self.code <= 599 or str(self.code)[0] != match.group(1):
            raise ValueError(f"code {self.code} does not agree with status {self.status}")
        if not self.text.isascii() or any(c in self.text for c in "\r\n"):
            raise ValueError("reply text must be one line of ASCII")
        if len(self.text) > _MAX_REPLY_TEXT:
            raise ValueError(f"reply text longer than {_MAX_REPLY_TEXT} characters")

    @property
    def permanent(self) -> bool:
        return self.code >= 500

    def __str__(self) -> str:
        return f"{self.code} {self.status} {self.text}"
