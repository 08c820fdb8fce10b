"""The policy engine: a pure function from facts to a Verdict.

It does no I/O, reads no clock and loads no file; the adapter gathers the
facts (including directory answers) and applies the verdict.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

from aduana.config.loader import Settings
from aduana.policy.approvals import waive
from aduana.policy.context import RuleContext
from aduana.policy.effects import effects_for
from aduana.policy.facts import TransactionFacts
from aduana.policy.families import FAMILIES
from aduana.policy.verdict import Reason, Verdict

RULE_FAMILIES: tuple[Callable[[RuleContext], Iterable[Reason]], ...] = tuple(
    family.reasons for family in FAMILIES
)
"""The rule families in the order of policy/families.py."""


def decide(settings: Settings, facts: TransactionFacts) -> Verdict:
    """Decide a transaction: at MAIL FROM when ``facts.content`` is None, else at end of data."""
    context = RuleContext(settings, facts)
    reasons = tuple(reason for family in RULE_FAMILIES for reason in family(context))
    day = facts.received_at.astimezone(settings.zone).date() if facts.received_at else None
    reasons = waive(reasons, settings.approvals, facts.provenance.account, day)
    verdict = Verdict.from_reasons(reasons)
    return replace(verdict, effects=effects_for(settings, facts, verdict))
