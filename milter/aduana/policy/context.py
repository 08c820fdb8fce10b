"""What every rule family sees, and the one way rules turn a finding into a Reason."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from aduana.config.loader import Settings
from aduana.config.schema import Mode, Organisation
from aduana.config.templates import ascii_fold
from aduana.directory.account import Account
from aduana.policy.facts import TransactionFacts
from aduana.policy.organisations import organisation_by_id
from aduana.policy.verdict import Action, Reason, SmtpReply

_REPLY_LIMIT = 400


class Cited(Protocol):
    """What a reason takes from its rule's settings: the clause it enforces, whether it
    is enforced or only monitored, and who gets a notice. Most rule settings are one."""

    @property
    def clause(self) -> str: ...

    @property
    def mode(self) -> Mode: ...

    @property
    def notify(self) -> str | None: ...


@dataclass(frozen=True)
class Citation:
    """A ``Cited`` for settings split over two objects (a category and its rules)."""

    clause: str
    mode: Mode
    notify: str | None = None


@dataclass(frozen=True)
class RuleContext:
    """One transaction as seen by the rules, with the settings in force."""

    settings: Settings
    facts: TransactionFacts

    @property
    def sender_organisation(self) -> Organisation | None:
        """The organisation governing the mail as its sender (see policy/origin.py)."""
        organisation = self.facts.provenance.organisation
        return organisation_by_id(self.settings, organisation) if organisation else None

    @property
    def account(self) -> Account | None:
        """The account answerable for the mail: the login's, or an internal sender's."""
        return self.facts.provenance.account

    @property
    def at_end_of_message(self) -> bool:
        return self.facts.content is not None

    def language_of(self, organisation: Organisation | None) -> str:
        return organisation.language if organisation else self.settings.daemon.language

    def reason(
        self,
        settings: Cited,
        *,
        rule: str,
        organisation: Organisation,
        action: Action,
        refusal: tuple[int, str],
        template: str,
        waivable_as: str | None = None,
        **values: str,
    ) -> Reason:
        """The one way a rule turns a finding into a Reason: clause, mode and notice come
        from the rule's settings, the detail and SMTP reply from the templates."""
        clause, mode = settings.clause, settings.mode
        language = self.language_of(organisation)
        templates = self.settings.templates
        detail = templates.render(language, template, **values)
        enforced = mode is Mode.ENFORCE and not self.settings.daemon.monitor_only
        reply = None
        if action in (Action.REJECT, Action.TEMPFAIL):
            code, status = refusal if action is Action.REJECT else (451, "4.7.1")
            text = ascii_fold(templates.render(language, "reply", clause=clause, detail=detail))
            reply = SmtpReply(code, status, text[:_REPLY_LIMIT])
        return Reason(
            rule=rule,
            clause=clause,
            detail=detail,
            action=action,
            enforced=enforced,
            reply=reply,
            organisation=organisation.id,
            waivable_as=waivable_as,
            notify=settings.notify,
        )
