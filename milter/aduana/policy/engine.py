"""The policy engine: a pure function from facts to a Verdict.

It does no I/O, reads no clock and loads no file; the adapter gathers the
facts (including directory answers) and applies the verdict.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

from aduana.config.loader import Settings
from aduana.facts import TransactionFacts
from aduana.policy.active_content import active_content_reasons
from aduana.policy.antivirus import antivirus_reasons
from aduana.policy.approvals import waive
from aduana.policy.attachments import attachment_reasons
from aduana.policy.bulk import bulk_reasons
from aduana.policy.content import content_reasons
from aduana.policy.context import RuleContext
from aduana.policy.dlp import dlp_reasons
from aduana.policy.effects import effects_for
from aduana.policy.encryption import encryption_reasons
from aduana.policy.identity import identity_reasons
from aduana.policy.mass_mailing import mass_mailing_reasons
from aduana.policy.size import size_reasons
from aduana.verdict import Reason, Verdict

RuleFamily = Callable[[RuleContext], Iterable[Reason]]

RULE_FAMILIES: tuple[RuleFamily, ...] = (
    identity_reasons,
    size_reasons,
    antivirus_reasons,  # first of the content rules: a virus is the reply to give
    attachment_reasons,
    encryption_reasons,
    active_content_reasons,
    mass_mailing_reasons,
    content_reasons,
    dlp_reasons,
    bulk_reasons,
)


def decide(settings: Settings, facts: TransactionFacts) -> Verdict:
    """Decide a transaction: at MAIL FROM when ``facts.content`` is None, else at end of data."""
    context = RuleContext(settings, facts)
    reasons = tuple(reason for family in RULE_FAMILIES for reason in family(context))
    day = facts.received_at.astimezone(settings.zone).date() if facts.received_at else None
    reasons = waive(reasons, settings.approvals, facts.provenance.account, day)
    verdict = Verdict.from_reasons(reasons)
    return replace(verdict, effects=effects_for(settings, facts, verdict))
