"""Classified and personal data leaving the institution (SRE 9.i; Edomex prohibiciones e).

Markings such as RESERVADO or CONFIDENCIAL in the subject, body or attachment
text, and more than a configured number of validated CURP, RFC or CLABE values,
in mail to outside recipients.
"""

from __future__ import annotations

from collections.abc import Iterator

from aduana.content.classification import find_markings
from aduana.content.identifiers import count_personal_data
from aduana.policy.context import RuleContext
from aduana.policy.rule_ids import RuleId
from aduana.policy.scope import scopes
from aduana.policy.verdict import Reason

_REFUSED = (550, "5.7.1")


def dlp_reasons(ctx: RuleContext) -> Iterator[Reason]:
    content = ctx.facts.content
    if content is None or content.text is None:
        return
    text = content.text
    for scope in scopes(ctx):
        rules = scope.organisation.rules.dlp
        if rules is None or not scope.governs_sender or not scope.applies(rules.directions):
            continue
        org = scope.organisation
        language = ctx.language_of(org)
        if rules.markings is not None:
            markings = [m for part in (text.subject, text.body, text.attachments)
                        for m in find_markings(part)]  # fmt: skip
            if markings:
                rule = rules.markings
                kind = ctx.settings.templates.render(language, f"marking_{markings[0].kind.value}")
                yield ctx.reason(
                    rule,
                    rule=RuleId.CLASSIFIED_MARKING,
                    organisation=org,
                    action=rule.action,
                    refusal=_REFUSED,
                    template="dlp_marking",
                    marking=kind,
                )
        personal = rules.personal_data
        if personal is not None:
            count = count_personal_data(text.everything).total
            if count > personal.max_items:
                yield ctx.reason(
                    personal,
                    rule=RuleId.PERSONAL_DATA,
                    organisation=org,
                    action=personal.action,
                    refusal=_REFUSED,
                    template="dlp_personal_data",
                    count=str(count),
                    limit=str(personal.max_items),
                )
