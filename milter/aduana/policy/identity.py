"""Identity rules (SRE 1-3, 17; Edomex responsabilidades b, c).

Only existing, active institutional accounts may send, and an account is
personal: the authenticated login must own the envelope sender and every
address in the header From. Who is sending comes from the provenance
(policy/origin.py), never from ``MAIL FROM`` alone:

- authenticated: the login's account must exist, be active, own the sender
  (the null sender is the login's own mail) and own the header From;
- internal: the sender's account must exist and be active; the MTA's own
  bounces (null sender) answer to no account;
- both: a sender address outside every institutional domain is refused;
- internet: nobody outside may pose as the institution (policy/impersonation.py).
"""

from __future__ import annotations

from collections.abc import Iterator

from aduana.config.schema import Organisation
from aduana.directory.account import Account, AccountStatus
from aduana.policy.context import RuleContext
from aduana.policy.facts import Origin
from aduana.policy.impersonation import impersonation_reasons
from aduana.policy.rule_ids import RuleId
from aduana.policy.verdict import Reason

_NOT_AUTHORISED = (550, "5.7.1")
_LOGIN_MISMATCH = (553, "5.7.1")


def identity_reasons(ctx: RuleContext) -> Iterator[Reason]:
    provenance = ctx.facts.provenance
    if provenance.origin is Origin.INTERNET:
        yield from impersonation_reasons(ctx)
        return
    org = ctx.sender_organisation
    if org is None or provenance.bounce:
        return
    envelope = ctx.facts.envelope
    if not envelope.null_sender and not provenance.institutional_sender:
        rule = org.rules.identity.foreign_sender
        if rule is not None:
            yield ctx.reason(
                rule,
                rule=RuleId.FOREIGN_SENDER,
                organisation=org,
                action=rule.action,
                refusal=_NOT_AUTHORISED,
                template="foreign_sender",
                sender=envelope.sender,
            )
    if provenance.origin is Origin.AUTHENTICATED:
        if not envelope.null_sender:
            yield from _login_owns_sender(ctx, org)
        yield from _account_usable(ctx, org, provenance.account, envelope.login or "")
        if ctx.facts.content is not None:
            yield from _login_owns_header_from(ctx, org)
    elif provenance.institutional_sender:
        yield from _account_usable(ctx, org, provenance.account, envelope.sender)


def _login_owns_sender(ctx: RuleContext, org: Organisation) -> Iterator[Reason]:
    envelope = ctx.facts.envelope
    login_account = ctx.facts.identity.login_account
    if login_account is not None and login_account.owns(envelope.sender):
        return
    rule = org.rules.identity.login_mismatch
    if rule is not None:
        yield ctx.reason(
            rule,
            rule=RuleId.LOGIN_MISMATCH,
            organisation=org,
            action=rule.action,
            refusal=_LOGIN_MISMATCH,
            template="login_mismatch",
            login=envelope.login or "",
            sender=envelope.sender,
        )


def _account_usable(
    ctx: RuleContext, org: Organisation, account: Account | None, who: str
) -> Iterator[Reason]:
    identity = org.rules.identity
    if account is None:
        if identity.unknown_account is not None:
            yield ctx.reason(
                identity.unknown_account,
                rule=RuleId.UNKNOWN_ACCOUNT,
                organisation=org,
                action=identity.unknown_account.action,
                refusal=_NOT_AUTHORISED,
                template="unknown_account",
                sender=who,
            )
    elif ctx.facts.identity.sending_suspended and identity.inactive_account is not None:
        yield ctx.reason(
            identity.inactive_account,
            rule=RuleId.SENDING_SUSPENDED,
            organisation=org,
            action=identity.inactive_account.action,
            refusal=_NOT_AUTHORISED,
            template="sending_suspended",
            sender=account.address,
        )
    elif account.status is not AccountStatus.ACTIVE and identity.inactive_account is not None:
        status = ctx.settings.templates.render(
            ctx.language_of(org), f"status_{account.status.value}"
        )
        yield ctx.reason(
            identity.inactive_account,
            rule=RuleId.INACTIVE_ACCOUNT,
            organisation=org,
            action=identity.inactive_account.action,
            refusal=_NOT_AUTHORISED,
            template="inactive_account",
            sender=account.address,
            status=status,
        )


def _login_owns_header_from(ctx: RuleContext, org: Organisation) -> Iterator[Reason]:
    content = ctx.facts.content
    login_account = ctx.facts.identity.login_account
    rule = org.rules.identity.header_from_mismatch
    if content is None or rule is None:
        return
    for address in content.header_from:
        if login_account is None or not login_account.owns(address):
            yield ctx.reason(
                rule,
                rule=RuleId.HEADER_FROM_MISMATCH,
                organisation=org,
                action=rule.action,
                refusal=_NOT_AUTHORISED,
                template="header_from_mismatch",
                login=ctx.facts.envelope.login or "",
                address=address,
            )
            return
