"""Identity rules (SRE 1-3, 17; Edomex responsabilidades b, c).

Only existing, active institutional accounts may send, and an account is
personal: the authenticated login must own the envelope sender and every
address in the header From.
"""

from __future__ import annotations

from collections.abc import Iterator

from aduana.config.schema import Organisation, RuleSettings
from aduana.directory.account import AccountStatus
from aduana.policy.context import RuleContext
from aduana.verdict import Reason

_NOT_AUTHORISED = (550, "5.7.1")
_LOGIN_MISMATCH = (553, "5.7.1")


def identity_reasons(ctx: RuleContext) -> Iterator[Reason]:
    envelope = ctx.facts.envelope
    sender_org = ctx.sender_organisation
    if envelope.login is not None and not envelope.null_sender:
        yield from _login_owns_sender(ctx, sender_org)
    if sender_org is not None:
        yield from _sender_account_usable(ctx, sender_org)
    if envelope.login is not None and ctx.facts.content is not None:
        yield from _login_owns_header_from(ctx, sender_org)


def _responsible_organisation(
    ctx: RuleContext, sender_org: Organisation | None
) -> Organisation | None:
    """The sender's organisation, else the organisation of the logged-in account."""
    if sender_org is not None:
        return sender_org
    login_account = ctx.facts.identity.login_account
    if login_account is None:
        return None
    return ctx.settings.organisation(login_account.organisation)


def _login_owns_sender(ctx: RuleContext, sender_org: Organisation | None) -> Iterator[Reason]:
    envelope = ctx.facts.envelope
    login_account = ctx.facts.identity.login_account
    if login_account is not None and login_account.owns(envelope.sender):
        return
    org = _responsible_organisation(ctx, sender_org)
    rule = org.rules.identity.login_mismatch if org else None
    if org is not None and rule is not None:
        yield _reason(
            ctx,
            org,
            rule,
            "login_mismatch",
            _LOGIN_MISMATCH,
            login=envelope.login or "",
            sender=envelope.sender,
        )


def _sender_account_usable(ctx: RuleContext, org: Organisation) -> Iterator[Reason]:
    account = ctx.facts.identity.sender_account
    sender = ctx.facts.envelope.sender
    identity = org.rules.identity
    if account is None:
        if identity.unknown_account is not None:
            yield _reason(
                ctx,
                org,
                identity.unknown_account,
                "unknown_account",
                _NOT_AUTHORISED,
                sender=sender,
            )
    elif ctx.facts.identity.sending_suspended and identity.inactive_account is not None:
        yield _reason(
            ctx, org, identity.inactive_account, "sending_suspended", _NOT_AUTHORISED, sender=sender
        )
    elif account.status is not AccountStatus.ACTIVE and identity.inactive_account is not None:
        status = ctx.settings.templates.render(
            ctx.language_of(org), f"status_{account.status.value}"
        )
        yield _reason(
            ctx,
            org,
            identity.inactive_account,
            "inactive_account",
            _NOT_AUTHORISED,
            sender=sender,
            status=status,
        )


def _login_owns_header_from(ctx: RuleContext, sender_org: Organisation | None) -> Iterator[Reason]:
    content = ctx.facts.content
    login_account = ctx.facts.identity.login_account
    org = _responsible_organisation(ctx, sender_org)
    rule = org.rules.identity.header_from_mismatch if org else None
    if content is None or org is None or rule is None:
        return
    for address in content.header_from:
        if login_account is None or not login_account.owns(address):
            yield _reason(
                ctx,
                org,
                rule,
                "header_from_mismatch",
                _NOT_AUTHORISED,
                login=ctx.facts.envelope.login or "",
                address=address,
            )
            return


def _reason(
    ctx: RuleContext,
    org: Organisation,
    rule: RuleSettings,
    rule_id: str,
    refusal: tuple[int, str],
    **values: str,
) -> Reason:
    return ctx.reason(
        rule=f"identity.{rule_id}",
        clause=rule.clause,
        mode=rule.mode,
        organisation=org,
        action=rule.action,
        refusal=refusal,
        template=rule_id,
        notify=rule.notify,
        **values,
    )
