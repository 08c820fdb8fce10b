"""What aduana decides about a transaction: the reasons, the effects and the verdict.

``Action`` and ``SmtpReply`` live in the leaf package ``aduana.mta`` (config needs
them too) and are re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aduana.mta.outcomes import Action, SmtpReply

__all__ = ["ACCEPT", "Action", "Effects", "Notice", "Reason", "SmtpReply", "Verdict"]


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
