"""Blocked files by true type (SRE 9.e; Edomex prohibiciones a, b).

Every leaf the inspectors found is judged by what it really is, inside archives
too, and in every reading of an ambiguous message. Names that hide a type,
inspection limits that were hit, and unparseable mail are reasons of their own.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import cast

from aduana.config.schema import AttachmentRules, CategoryRule, Organisation
from aduana.inspect import (
    MALFORMED_KINDS,
    Category,
    MessageInspection,
    PartFacts,
    PartLabel,
    UnnamedPart,
)
from aduana.policy.context import Citation, RuleContext
from aduana.policy.facts import MessageContent
from aduana.policy.rule_ids import RuleId
from aduana.policy.scope import Scope, exempt, scopes
from aduana.policy.size import human_size
from aduana.policy.verdict import Action, Reason

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

    def _label(self, name: PartLabel) -> str:
        return label(self.ctx, self.language, name)

    def _where(self, part: PartFacts) -> str:
        return where(self.ctx, self.language, part)

    def _describe(self, inspection: MessageInspection, path: str) -> str:
        return describe(self.ctx, self.language, inspection, path)

    def blocked_parts(self, inspection: MessageInspection) -> Iterator[Reason]:
        seen: set[Category] = set()
        for part in inspection.parts:
            if part.category in seen:
                continue
            rule = self.blocked.get(part.category.value)
            if rule is not None:
                seen.add(part.category)
                yield self.ctx.reason(
                    Citation(rule.clause or self.rules.clause, self.rules.mode, self.rules.notify),
                    rule=RuleId.BLOCKED_TYPE,
                    organisation=self.org,
                    action=rule.action,
                    refusal=_BLOCKED,
                    template="attachment_blocked",
                    waivable_as=f"attachment:{part.category.value}",
                    file=self._where(part),
                    category=self._name(f"category_{part.category.value}"),
                    type=part.true_type,
                )
            elif part.category is Category.IMAGE and self._image_too_big(part):
                seen.add(part.category)
                limit = int(self.rules.image_max_size or 0)
                yield self.ctx.reason(
                    self.rules,
                    rule=RuleId.IMAGE_SIZE,
                    organisation=self.org,
                    action=Action.REJECT,
                    refusal=_BLOCKED,
                    template="image_size",
                    file=self._where(part),
                    size=human_size(part.size),
                    limit=human_size(limit),
                )

    def _image_too_big(self, part: PartFacts) -> bool:
        limit = self.rules.image_max_size
        return limit is not None and part.size > limit

    def name_tricks(self, inspection: MessageInspection) -> Iterator[Reason]:
        action = self.rules.name_tricks
        if action is None:
            return
        for part in inspection.parts:
            if part.anomalies:
                yield self.ctx.reason(
                    self.rules,
                    rule=RuleId.NAME_TRICK,
                    organisation=self.org,
                    action=action,
                    refusal=_BLOCKED,
                    template="attachment_name",
                    file=self._where(part),
                    trick=self._name(f"trick_{part.anomalies[0].value}"),
                )
                return

    def limits(self, inspection: MessageInspection) -> Iterator[Reason]:
        action = self.rules.archive_limits
        if action is None or not inspection.limit_hits:
            return
        hit = inspection.limit_hits[0]
        yield self.ctx.reason(
            self.rules,
            rule=RuleId.INSPECTION_LIMIT,
            organisation=self.org,
            action=action,
            refusal=_BLOCKED,
            template="archive_limit",
            file=self._describe(inspection, hit.where),
            limit=self._name(f"limit_{hit.kind.value}"),
        )

    def structure(self, inspection: MessageInspection) -> Iterator[Reason]:
        action = self.rules.malformed
        if action is None or not inspection.malformed:
            return
        problem = next(p for p in inspection.problems if p.kind in MALFORMED_KINDS)
        yield self.ctx.reason(
            self.rules,
            rule=RuleId.MALFORMED,
            organisation=self.org,
            action=action,
            refusal=_MALFORMED,
            template="malformed",
            problem=problem.kind.value,
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
            name, problem = self._describe(inspection, unopened[0].where), unopened[0].kind.value
        elif failed:
            shown = (*failed[0].chain, failed[0].name)
            name, problem = " / ".join(map(self._label, shown)), "read_error"
        else:
            return
        problem = self._name(f"unopened_{problem}")
        yield self.ctx.reason(
            self.rules,
            rule=RuleId.UNINSPECTABLE,
            organisation=self.org,
            action=action,
            refusal=_BLOCKED,
            template="uninspectable",
            file=name,
            problem=problem,
        )


def part_name(ctx: RuleContext, language: str, part: PartFacts) -> str:
    """The name a user would recognise: the first filename, else the part's path."""
    if part.filenames:
        return part.filenames[0]
    return label(ctx, language, UnnamedPart(part.path))


def label(ctx: RuleContext, language: str, name: PartLabel) -> str:
    """A file name as it is; a part without one by its path, in the reply's language."""
    if isinstance(name, str):
        return name
    shown = ctx.settings.templates.render(language, "unnamed_part", path=name.path)
    return f"{shown} ({name.content_type})" if name.content_type else shown


def _chain(ctx: RuleContext, language: str, part: PartFacts) -> tuple[str, ...]:
    return tuple(label(ctx, language, name) for name in part.archive_chain)


def where(ctx: RuleContext, language: str, part: PartFacts) -> str:
    """The file as the user knows it, with the archives it sits in."""
    return " / ".join((*_chain(ctx, language, part), part_name(ctx, language, part)))


def describe(ctx: RuleContext, language: str, inspection: MessageInspection, path: str) -> str:
    """Name what sits at an inspection path ("2!1!1") the way the user knows it."""
    best: PartFacts | None = None
    for part in inspection.parts:
        if part.path == path:
            return where(ctx, language, part)
        if best is None and part.path.startswith(path):
            best = part
    if best is not None:
        return " / ".join(_chain(ctx, language, best)) or part_name(ctx, language, best)
    return label(ctx, language, UnnamedPart(path))
