"""What a verdict asks the MTA to change, besides accepting or refusing.

- tag: X-Aduana-* headers with the verdict, rules and scores, and an optional
  subject prefix, so mail clients can file the message;
- quarantine: an X-Aduana-Hold header naming the rules and clauses that held it;
- journal: a copy to the organisation's archive mailbox (SRE 6);
- legal hold: a copy of all mail of named accounts to a custodian (judicial order);
- notices to the sender and/or the unit's administrator, in the organisation's language;
- incoming X-Aduana-* headers are removed from every message, so the only ones a
  reader sees are aduana's own.
Headers and recipients only: the body is never touched, so a DKIM signature
added by the MTA after aduana stays valid.
"""

from __future__ import annotations

from datetime import datetime
from email.errors import HeaderParseError
from email.header import decode_header, make_header

from aduana.config.loader import Settings
from aduana.config.schema import Organisation
from aduana.config.templates import ascii_fold
from aduana.policy.context import RuleContext
from aduana.policy.facts import TransactionFacts
from aduana.policy.organisations import organisation_by_id
from aduana.policy.rule_ids import RuleId
from aduana.policy.scope import Scope, scopes
from aduana.policy.verdict import Action, Effects, Notice, Reason, Verdict
from aduana.quarantine.hold_mark import hold_header

_COPIED = (Action.ACCEPT, Action.TAG, Action.QUARANTINE)
_OWN_HEADERS = "x-aduana-"


def effects_for(settings: Settings, facts: TransactionFacts, verdict: Verdict) -> Effects:
    enforced = [r for r in verdict.reasons if r.enforced]
    applicable = list(scopes(RuleContext(settings, facts)))
    headers: list[tuple[str, str]] = []
    prefix = None
    if verdict.action is Action.TAG:
        headers, prefix = _tag(settings, [r for r in enforced if r.action is Action.TAG])
    elif verdict.action is Action.QUARANTINE:
        # The queue file says why it is held (the review desk lists by clause).
        headers = [hold_header(r for r in enforced if r.action is Action.QUARANTINE)]
    copies: list[str] = []
    holds: list[str] = []
    if facts.content is not None and verdict.action in _COPIED:
        copies, holds = _copies(settings, facts, applicable)
    notices = tuple(
        dict.fromkeys(
            notice
            for reason in enforced
            if reason.notify is not None
            for notice in _notices(settings, facts, verdict, reason)
        )
    )
    return Effects(
        tuple(headers),
        prefix,
        tuple(dict.fromkeys(copies)),
        notices,
        tuple(holds),
        forged_headers(facts),
    )


def forged_headers(facts: TransactionFacts) -> tuple[tuple[str, int], ...]:
    """Every incoming X-Aduana-* header, to delete, the last occurrence of a name first."""
    if facts.content is None:
        return ()
    occurrences: dict[str, int] = {}
    found: list[tuple[str, int]] = []
    for name, _ in facts.content.headers:
        key = name.lower()
        occurrences[key] = occurrences.get(key, 0) + 1
        if key.startswith(_OWN_HEADERS):
            found.append((name, occurrences[key]))
    return tuple(reversed(found))


def _tag(settings: Settings, tagged: list[Reason]) -> tuple[list[tuple[str, str]], str | None]:
    headers = [
        ("X-Aduana-Verdict", "tag"),
        ("X-Aduana-Rules", ascii_fold("; ".join(f"{r.rule} ({r.clause})" for r in tagged))),
    ]
    scores = [f"{r.rule}={r.score:g}" for r in tagged if r.score is not None]
    if scores:
        headers.append(("X-Aduana-Score", "; ".join(scores)))
    if any(r.rule == RuleId.LIST_MAIL for r in tagged):
        headers.append(("X-Aduana-Bulk", "yes"))
    org = organisation_by_id(settings, tagged[0].organisation) if tagged else None
    return headers, org.subject_tag if org else None


def _copies(
    settings: Settings, facts: TransactionFacts, applicable: list[Scope]
) -> tuple[list[str], list[str]]:
    copies: list[str] = []
    holds: list[str] = []
    day = facts.received_at.astimezone(settings.zone).date() if facts.received_at else None
    addresses = (facts.envelope.sender, *facts.envelope.recipients)
    for scope in applicable:
        monitoring = scope.organisation.monitoring
        journal = monitoring.journal
        if journal is not None and scope.applies(journal.directions):
            copies.append(journal.address)
        for hold in monitoring.legal_holds:
            if hold.valid_until is not None and day is not None and day > hold.valid_until:
                continue
            held = {a.casefold() for a in hold.accounts}
            if any(a.casefold() in held for a in addresses):
                copies.append(hold.custodian)
                holds.append(hold.reference)
    return copies, holds


def _notices(
    settings: Settings, facts: TransactionFacts, verdict: Verdict, reason: Reason
) -> list[Notice]:
    org = organisation_by_id(settings, reason.organisation)
    if org is None:
        return []
    sender_account = facts.provenance.account
    recipients: list[str] = []
    if reason.notify in ("sender", "both") and sender_account is not None:
        recipients.append(sender_account.address)
    if reason.notify in ("admin", "both"):
        unit = sender_account.unit if sender_account is not None else ""
        admin = org.notices.unit_admins.get(unit) or org.notices.admin
        if admin:
            recipients.append(admin)
    return [_notice(settings, org, facts, verdict, reason, to) for to in recipients]


def _notice(
    settings: Settings,
    org: Organisation,
    facts: TransactionFacts,
    verdict: Verdict,
    reason: Reason,
    to: str,
) -> Notice:
    templates = settings.templates
    language = org.language
    action = templates.render(language, f"action_{verdict.action.value}")
    when = facts.received_at or datetime.fromtimestamp(0)
    content = facts.content
    subject = decoded(content.subject or "") if content else ""
    # The notice names what was done and the clause that did it, even when the
    # reason asking for the notice was outranked (a hold overruled by a refusal).
    decisive = verdict.decisive or reason
    return Notice(
        sender=org.notices.sender or f"postmaster@{org.domains[0].removeprefix('*.')}",
        to=to,
        subject=templates.render(language, "notice_subject", clause=decisive.clause, action=action),
        body=templates.render(
            language,
            "notice_body",
            sender=facts.envelope.sender or "<>",
            recipients=", ".join(facts.envelope.recipients) or "-",
            subject=subject,
            clause=decisive.clause,
            detail=decisive.detail,
            action=action,
            when=when.astimezone(settings.zone).strftime("%Y-%m-%d %H:%M %Z"),
            queue_id=(content.queue_id if content else None) or "-",
        ),
    )


def decoded(subject: str) -> str:
    """A subject as a mail client shows it: RFC 2047 encoded words decoded."""
    try:
        return str(make_header(decode_header(subject)))
    except (HeaderParseError, UnicodeError, LookupError):
        return subject
