"""Inbound newsletters and list mail to institutional accounts are tagged (Edomex c).

List-Id, List-Unsubscribe and Precedence: bulk/list/junk mark mail that mail
clients can file away; nothing is refused.
"""

from __future__ import annotations

from collections.abc import Iterator

from aduana.content.bulk import detect_bulk
from aduana.policy.context import Citation, RuleContext
from aduana.policy.rule_ids import RuleId
from aduana.policy.scope import scopes
from aduana.policy.verdict import Action, Reason


def bulk_reasons(ctx: RuleContext) -> Iterator[Reason]:
    content = ctx.facts.content
    if content is None:
        return
    bulk = detect_bulk(content.headers)
    if not bulk.is_bulk:
        return
    for scope in scopes(ctx):
        rules = scope.organisation.rules.bulk
        if rules is None or scope.governs_sender:
            continue
        yield ctx.reason(
            Citation(rules.clause, rules.mode),
            rule=RuleId.LIST_MAIL,
            organisation=scope.organisation,
            action=Action.TAG,
            refusal=(550, "5.7.1"),
            template="bulk",
            signals=", ".join(sorted(s.value for s in bulk.signals)),
        )
