"""Mass mailing (SRE 9.g, 9.h; Edomex prohibiciones b, c).

Sending to many users, one-to-many or one-to-one, needs a written approval.
Three rules, each lifted by an approval in the register:
- recipients_per_message: envelope recipients of one message (Bcc included);
- rate: messages and distinct recipients per sender in rolling windows;
- one_to_one: the same text, or a near-duplicate, to many distinct recipients.
Counts come from the counter store, gathered by the adapter before the engine.
"""

from __future__ import annotations

from collections.abc import Iterator

from aduana.config.schema import Organisation, RankLimit
from aduana.policy.context import RuleContext
from aduana.policy.ranks import for_rank
from aduana.policy.rule_ids import RuleId
from aduana.policy.verdict import Reason

_TOO_MANY_RECIPIENTS = (550, "5.5.3")
_NOT_AUTHORISED = (550, "5.7.1")


def human_window(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds % size == 0:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


def mass_mailing_reasons(ctx: RuleContext) -> Iterator[Reason]:
    org = ctx.sender_organisation
    if org is None or ctx.facts.content is None or ctx.facts.provenance.bounce:
        return
    account = ctx.account
    rank = account.rank if account is not None else org.ranks[0]
    yield from _recipients_per_message(ctx, org, rank)
    yield from _rate(ctx, org, rank)
    yield from _one_to_one(ctx, org, rank)


def _limit(org: Organisation, limits: tuple[RankLimit, ...], rank: str) -> int | None:
    entry = for_rank(org, limits, rank)
    return entry.limit if entry is not None else None


def _recipients_per_message(ctx: RuleContext, org: Organisation, rank: str) -> Iterator[Reason]:
    rule = org.rules.mass_mailing.recipients_per_message
    if rule is None:
        return
    count = len(ctx.facts.envelope.recipients)
    limit = _limit(org, rule.limits, rank)
    if limit is not None and count > limit:
        yield ctx.reason(
            rule,
            rule=RuleId.RECIPIENTS_PER_MESSAGE,
            organisation=org,
            action=rule.action,
            refusal=_TOO_MANY_RECIPIENTS,
            template="recipients_per_message",
            waivable_as="recipients_per_message",
            count=str(count),
            limit=str(limit),
            rank=rank,
        )


def _rate(ctx: RuleContext, org: Organisation, rank: str) -> Iterator[Reason]:
    rule = org.rules.mass_mailing.rate
    activity = ctx.facts.activity
    if rule is None or activity is None:
        return
    for window in rule.windows:
        seen = activity.in_window(window.window)
        if seen is None:
            continue
        for template, limits, count in (
            ("rate_messages", window.max_messages, seen.messages),
            ("rate_recipients", window.max_recipients, seen.distinct_recipients),
        ):
            limit = _limit(org, limits, rank) if limits else None
            if limit is not None and count > limit:
                yield ctx.reason(
                    rule,
                    rule=RuleId.RATE,
                    organisation=org,
                    action=rule.action,
                    refusal=_NOT_AUTHORISED,
                    template=template,
                    waivable_as="rate",
                    count=str(count),
                    limit=str(limit),
                    window=human_window(window.window),
                    rank=rank,
                )
                return


def _one_to_one(ctx: RuleContext, org: Organisation, rank: str) -> Iterator[Reason]:
    rule = org.rules.mass_mailing.one_to_one
    activity = ctx.facts.activity
    if rule is None or activity is None or activity.near_duplicate_recipients is None:
        return
    count = activity.near_duplicate_recipients
    if count <= len(ctx.facts.envelope.recipients):
        # Only this message has the text: a one-to-many message, for recipients_per_message.
        return
    limit = _limit(org, rule.limits, rank)
    if limit is not None and count > limit:
        yield ctx.reason(
            rule,
            rule=RuleId.ONE_TO_ONE,
            organisation=org,
            action=rule.action,
            refusal=_NOT_AUTHORISED,
            template="one_to_one",
            waivable_as="one_to_one",
            count=str(count),
            limit=str(limit),
            window=human_window(rule.window),
            rank=rank,
        )
