"""What aduana decides about a transaction, and the SMTP replies it may give.

Only legal replies can be built: a permanent refusal carries a 5xx code with a
5.x.x enhanced status, a temporary one a 4xx code with a 4.x.x status.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class Reason:
    """Why a rule fired: the rule, the policy clause it enforces, and a human detail."""

    rule: str
    clause: str
    detail: str
    action: Action
    enforced: bool = True
    reply: SmtpReply | None = None
    organisation: str = ""
    waivable_as: str | None = None
    """What a written approval must lift to waive this reason, e.g. 'rate'."""
    lifted_by: str | None = None
    """The reference of the approval that waived it."""
    notify: str | None = None
    """Who gets a notice: sender, admin or both."""
    score: float | None = None


@dataclass(frozen=True)
class Notice:
    """A message to the sender or an administrator about a decision."""

    sender: str
    to: str
    subject: str
    body: str


@dataclass(frozen=True)
class Effects:
    """What the MTA is asked to change; never the body, so DKIM signing after us holds."""

    headers: tuple[tuple[str, str], ...] = ()
    subject_prefix: str | None = None
    add_recipients: tuple[str, ...] = ()
    notices: tuple[Notice, ...] = ()
    holds: tuple[str, ...] = ()
    """References of the legal holds that copied this message."""
    remove_headers: tuple[tuple[str, int], ...] = ()
    """Headers to delete, as (name, 1-based occurrence), last occurrence first."""


@dataclass(frozen=True)
class Verdict:
    """The decision on one transaction, with every reason that led to it."""

    action: Action
    reasons: tuple[Reason, ...] = field(default_factory=tuple)
    reply: SmtpReply | None = None
    effects: Effects = field(default_factory=Effects)

    @property
    def approvals_used(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.lifted_by for r in self.reasons if r.lifted_by))

    @property
    def decisive(self) -> Reason | None:
        """The enforced reason that set the action, if any."""
        for reason in self.reasons:
            if reason.enforced and reason.action is self.action:
                return reason
        return None

    @classmethod
    def from_reasons(cls, reasons: tuple[Reason, ...]) -> Verdict:
        """Merge reasons: the enforced reason with the highest precedence wins."""
        enforced = [r for r in reasons if r.enforced]
        if not enforced:
            return cls(Action.ACCEPT, reasons)
        winner = max(enforced, key=lambda r: r.action.precedence)
        return cls(winner.action, reasons, winner.reply)


ACCEPT = Verdict(Action.ACCEPT)
