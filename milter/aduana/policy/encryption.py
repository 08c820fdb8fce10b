"""Unauthorised encryption (SRE 9.f): encrypted archives, PDFs, Office files, PGP, S/MIME.

Signed-only mail is not encryption. The Technical Authority authorises senders
by account or rank in the policy, or with a written approval that lifts
"encryption".
"""

from __future__ import annotations

from collections.abc import Iterator

from aduana.inspect import Category, MessageInspection
from aduana.policy.attachments import describe
from aduana.policy.context import RuleContext
from aduana.policy.scope import exempt, scopes
from aduana.verdict import Reason

_NOT_AUTHORISED = (550, "5.7.1")


def encryption_reasons(ctx: RuleContext) -> Iterator[Reason]:
    content = ctx.facts.content
    if content is None or content.inspection is None:
        return
    inspection = content.inspection
    finding = _first_finding(inspection)
    if finding is None:
        return
    where, kind = finding
    for scope in scopes(ctx):
        rule = scope.organisation.rules.encryption
        if rule is None or not scope.applies(rule.directions):
            continue
        account = ctx.account
        if scope.governs_sender and exempt(scope.organisation, rule.authorised, account):
            continue
        yield ctx.reason(
            rule="encryption.unauthorised", clause=rule.clause, mode=rule.mode,
            organisation=scope.organisation, action=rule.action, refusal=_NOT_AUTHORISED,
            template="encrypted", waivable_as="encryption", notify=rule.notify, file=where,
            kind=kind,
        )  # fmt: skip


def _first_finding(inspection: MessageInspection) -> tuple[str, str] | None:
    if inspection.encryption:
        finding = inspection.encryption[0]
        return describe(inspection, finding.where), finding.kind.value
    for part in inspection.parts:
        if part.category is Category.ENCRYPTED or part.encrypted:
            return part.display_name, part.true_type
    return None
