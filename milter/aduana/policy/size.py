"""Per-rank message size caps (SRE 7).

A declared ESMTP SIZE= over the cap is refused at MAIL FROM, before any data
is sent; otherwise the real size is checked at end of message.
"""

from __future__ import annotations

from collections.abc import Iterator

from aduana.policy.context import Citation, RuleContext
from aduana.policy.ranks import for_rank
from aduana.policy.rule_ids import RuleId
from aduana.policy.verdict import Action, Reason

_TOO_BIG = (552, "5.3.4")
_MEBIBYTE = 1024 * 1024


def human_size(size: int) -> str:
    """Sizes as mail clients show them: MB of 1,048,576 bytes."""
    if size < _MEBIBYTE:
        return f"{size / 1024:.0f} KB"
    return f"{size / _MEBIBYTE:.1f} MB"


def size_reasons(ctx: RuleContext) -> Iterator[Reason]:
    org = ctx.sender_organisation
    if org is None or org.rules.size is None or ctx.facts.provenance.bounce:
        return
    account = ctx.account
    rank = account.rank if account is not None else org.ranks[0]
    cap = for_rank(org, org.rules.size.caps, rank)
    if cap is None:
        return
    content = ctx.facts.content
    if content is not None:
        size, template = content.size, "message_size"
    elif ctx.facts.envelope.declared_size is not None:
        size, template = ctx.facts.envelope.declared_size, "declared_size"
    else:
        return
    if size <= cap.max_size:
        return
    yield ctx.reason(
        Citation(cap.clause, org.rules.size.mode),
        rule=RuleId.SIZE_CAP,
        organisation=org,
        action=Action.REJECT,
        refusal=_TOO_BIG,
        template=template,
        size=human_size(size),
        limit=human_size(int(cap.max_size)),
        rank=rank,
    )
