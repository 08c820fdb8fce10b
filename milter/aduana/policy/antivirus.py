"""Viruses (Edomex Responsabilidades e: mail free of viruses; SRE 9.e).

clamd's answer was gathered by the checkpoint (`VirusScan`). A signature hit
refuses the message; the signature is named in the audit event, not in the
reply. clamd unavailable is an outage, answered with a tempfail (the MTA
retries) or, if the organisation chooses, delivery with a tag. No approval
lifts a virus.
"""

from __future__ import annotations

from collections.abc import Iterator

from aduana.policy.context import RuleContext
from aduana.policy.facts import ScanResult
from aduana.policy.rule_ids import RuleId
from aduana.policy.scope import scopes
from aduana.policy.verdict import Reason

_INFECTED = (554, "5.7.1")


def antivirus_reasons(ctx: RuleContext) -> Iterator[Reason]:
    content = ctx.facts.content
    scan = content.antivirus if content is not None else None
    if scan is None or scan.result is ScanResult.CLEAN:
        return
    for scope in scopes(ctx):
        rule = scope.organisation.rules.antivirus
        if rule is None or not scope.applies(rule.directions):
            continue
        if scan.result is ScanResult.INFECTED:
            rule_id, action, template = RuleId.VIRUS, rule.action, "virus"
        elif scan.result is ScanResult.TOO_LARGE:
            rule_id, action, template = RuleId.VIRUS_UNSCANNABLE, rule.action, "virus_unscannable"
        else:
            rule_id, action, template = (
                RuleId.ANTIVIRUS_UNAVAILABLE, rule.on_unavailable, "antivirus_unavailable"
            )  # fmt: skip
        yield ctx.reason(
            rule,
            rule=rule_id,
            organisation=scope.organisation,
            action=action,
            refusal=_INFECTED,
            template=template,
        )
