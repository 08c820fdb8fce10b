"""Blocked files by true type (SRE 9.e; Edomex prohibiciones a, b).

Every leaf the inspectors found is judged by what it really is, inside archives
too, and in every reading of an ambiguous message. Names that hide a type,
inspection limits that were hit, and unparseable mail are reasons of their own.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import cast

from aduana.config.schema import AttachmentRules, CategoryRule, Organisation
from aduana.facts import MessageContent
from aduana.inspect import MALFORMED_KINDS, Category, MessageInspection, PartFacts
from aduana.policy.context import RuleContext
from aduana.policy.scope import Scope, exempt, scopes
from aduana.policy.size import human_size
from aduana.verdict import Action, Reason

_BLOCKED = (550, "5.7.1")
_MALFORMED = (554, "5.6.0")


def attachment_reasons(ctx: RuleContext) -> Iterator[Reason]:
    content = ctx.facts.content
    if content is None or content.inspection is None:
        return
    for scope in scopes(ctx):
        rules = scope.organisation.rules.attachments
        if rules is None or not scope.applies(rules.directions):
            continue
        account = ctx.account
        if scope.governs_sender and exempt(scope.organisation, rules.exempt, account):
            continue
        judge = _Judge(ctx, scope, rules)
        yield from judge.blocked_parts(content.inspection)
        yield from judge.name_tricks(content.inspection)
        yield from judge.limits(content.inspection)
        yield from judge.structure(content.inspection)
        yield from judge.uninspectable(content)


class _Judge:
    def __init__(self, ctx: RuleContext, scope: Scope, rules: AttachmentRules) -> None:
        self.ctx = ctx
        self.org: Organisation = scope.organisation
        self.rules = rules
        self.language = ctx.language_of(scope.organisation)
        self.blocked = cast(Mapping[str, CategoryRule], rules.blocked)

    def _name(self, key: str) -> str:
        return self.ctx.settings.templates.render(self.language, key)

    def blocked_parts(self, inspection: MessageInspection) -> Iterator[Reason]:
        seen: set[Category] = set()
        for part in inspection.parts:
            if part.category in seen:
                continue
            rule = self.blocked.get(part.category.value)
            if rule is not None:
                seen.add(part.category)
                yield self._reason(
                    "attachments.blocked_type", rule.action, _BLOCKED, "attachment_blocked",
                    clause=rule.clause, waivable_as=f"attachment:{part.category.value}",
                    file=_where(part), category=self._name(f"category_{part.category.value}"),
                    type=part.true_type,
                )  # fmt: skip
            elif part.category is Category.IMAGE and self._image_too_big(part):
                seen.add(part.category)
                limit = int(self.rules.image_max_size or 0)
                yield self._reason(
                    "attachments.image_size", Action.REJECT, _BLOCKED, "image_size",
                    file=_where(part), size=human_size(part.size), limit=human_size(limit),
                )  # fmt: skip

    def _image_too_big(self, part: PartFacts) -> bool:
        limit = self.rules.image_max_size
        return limit is not None and part.size > limit

    def name_tricks(self, inspection: MessageInspection) -> Iterator[Reason]:
        action = self.rules.name_tricks
        if action is None:
            return
        for part in inspection.parts:
            if part.anomalies:
                yield self._reason(
                    "attachments.name_trick", action, _BLOCKED, "attachment_name",
                    file=_where(part), trick=self._name(f"trick_{part.anomalies[0].value}"),
                )  # fmt: skip
                return

    def limits(self, inspection: MessageInspection) -> Iterator[Reason]:
        action = self.rules.archive_limits
        if action is None or not inspection.limit_hits:
            return
        hit = inspection.limit_hits[0]
        yield self._reason(
            "attachments.inspection_limit", action, _BLOCKED, "archive_limit",
            file=describe(inspection, hit.where), limit=self._name(f"limit_{hit.kind.value}"),
        )  # fmt: skip

    def structure(self, inspection: MessageInspection) -> Iterator[Reason]:
        action = self.rules.malformed
        if action is None or not inspection.malformed:
            return
        problem = next(p for p in inspection.problems if p.kind in MALFORMED_KINDS)
        yield self._reason(
            "attachments.malformed", action, _MALFORMED, "malformed", problem=problem.kind.value
        )

    def uninspectable(self, content: MessageContent) -> Iterator[Reason]:
        """A container that could not be opened, or a part whose reader raised, is never
        passed as clean; it is refused (by default), never a retry loop."""
        action = self.rules.uninspectable
        inspection, text = content.inspection, content.text
        if action is None or inspection is None:
            return
        unopened = inspection.uninspectable
        failed = inspection.failed_reads + (text.failed_reads if text else ())
        if unopened:
            name, problem = describe(inspection, unopened[0].where), unopened[0].kind.value
        elif failed:
            name, problem = failed[0].name, "read_error"
        else:
            return
        problem = self._name(f"unopened_{problem}")
        yield self._reason(
            "attachments.uninspectable", action, _BLOCKED, "uninspectable",
            file=name, problem=problem,
        )  # fmt: skip

    def _reason(
        self,
        rule: str,
        action: Action,
        refusal: tuple[int, str],
        template: str,
        *,
        clause: str | None = None,
        waivable_as: str | None = None,
        **values: str,
    ) -> Reason:
        return self.ctx.reason(
            rule=rule, clause=clause or self.rules.clause, mode=self.rules.mode,
            organisation=self.org, action=action, refusal=refusal, template=template,
            waivable_as=waivable_as, notify=self.rules.notify, **values,
        )  # fmt: skip


def _where(part: PartFacts) -> str:
    """The file as the user knows it, with the archives it sits in."""
    return " / ".join((*part.archive_chain, part.display_name))


def describe(inspection: MessageInspection, path: str) -> str:
    """Name what sits at an inspection path ("2!1!1") the way the user knows it."""
    best: PartFacts | None = None
    for part in inspection.parts:
        if part.path == path:
            return _where(part)
        if best is None and part.path.startswith(path):
            best = part
    if best is not None:
        return " / ".join(best.archive_chain) or best.display_name
    return f"parte {path}"
