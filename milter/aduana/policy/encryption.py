"""Unauthorised encryption (SRE 9.f): encrypted archives, PDFs, Office files, PGP, S/MIME.

Signed-only mail is not encryption. The Technical Authority authorises senders
by account or rank in the policy, or with a written approval that lifts
"encryption".
"""

from __future__ import annotations

from collections.abc import Iterator

from aduana.inspect import Category, MessageInspection
from aduana.policy.attachments import describe, part_name
from aduana.policy.context import RuleContext
from aduana.policy.rule_ids import RuleId
from aduana.policy.scope import exempt, scopes
from aduana.policy.verdict import Reason

_NOT_AUTHORISED = (550, "5.7.1")


def encryption_reasons(ctx: RuleContext) -> Iterator[Reason]:
    content = ctx.facts.content
    if content is None or content.inspection is None:
        return
    inspection = content.inspection
    for scope in scopes(ctx):
        rule = scope.organisation.rules.encryption
        if rule is None or not scope.applies(rule.directions):
            continue
        account = ctx.account
        if scope.governs_sender and exempt(scope.organisation, rule.authorised, account):
            continue
        finding = _first_finding(ctx, ctx.language_of(scope.organisation), inspection)
        if finding is None:
            return
        where, kind = finding
        yield ctx.reason(
            rule,
            rule=RuleId.ENCRYPTION_UNAUTHORISED,
            organisation=scope.organisation,
            action=rule.action,
            refusal=_NOT_AUTHORISED,
            template="encrypted",
            waivable_as="encryption",
            file=where,
            kind=kind,
        )


def _first_finding(
    ctx: RuleContext, language: str, inspection: MessageInspection
) -> tuple[str, str] | None:
    if inspection.encryption:
        finding = inspection.encryption[0]
        return describe(ctx, language, inspection, finding.where), finding.kind.value
    for part in inspection.parts:
        if part.category is Category.ENCRYPTED or part.encrypted:
            return part_name(ctx, language, part), part.true_type
    return None
