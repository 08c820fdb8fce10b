"""Offensive, obscene, chain-letter and commercial content (SRE 8, 9.a-c, 9.h; Edomex a, e).

The lexicons score the subject, body and attachment text by category; each
organisation sets, per category, the score that tags the message and the score
that refuses it. Commercial and chain-letter content can be limited to group mail
("mensajes grupales", "enviados a un grupo"). Logs and replies never quote the
matched words: only the category and its score.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace

from aduana.policy.context import Citation, RuleContext
from aduana.policy.rule_ids import family_rule
from aduana.policy.scope import scopes
from aduana.policy.verdict import Action, Reason

_REFUSED = (550, "5.7.1")


def content_reasons(ctx: RuleContext) -> Iterator[Reason]:
    content = ctx.facts.content
    if content is None or content.text is None:
        return
    scores: Mapping[str, float] | None = None
    recipients = len(ctx.facts.envelope.recipients)
    for scope in scopes(ctx):
        rules = scope.organisation.rules.content
        if rules is None or not scope.applies(rules.directions):
            continue
        if scores is None:
            scores = ctx.settings.lexicons.scores(content.text.everything)
        for name, category in rules.categories.items():
            value = scores.get(name, 0.0)
            if category.group_only and recipients < rules.group_recipients:
                continue
            action: Action
            if category.refuse_at is not None and value >= category.refuse_at:
                action, template = category.refuse_action, "content_refused"
            elif category.tag_at is not None and value >= category.tag_at:
                action, template = Action.TAG, "content_tagged"
            else:
                continue
            language = ctx.language_of(scope.organisation)
            reason = ctx.reason(
                Citation(category.clause, rules.mode, category.notify),
                rule=family_rule("content", name),
                organisation=scope.organisation,
                action=action,
                refusal=_REFUSED,
                template=template,
                category=ctx.settings.templates.render_or(language, f"lexicon_{name}", name),
                score=f"{value:g}",
            )
            yield replace(reason, score=value)
