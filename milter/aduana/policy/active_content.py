"""Active content (SRE 9.e): macros, HTML smuggling, PDF JavaScript, and documents
whose active content could not be checked.

A macro document is executable content: refused unless the sender is authorised by
account or rank in the policy, or by a written approval that lifts "macros", as for
encryption (SRE 9.f). PDF JavaScript is reported by default ("report": a monitored
reason, logged and counted); an organisation may refuse or tag it instead.
"""

from __future__ import annotations

from collections.abc import Iterator

from aduana.config.schema import ActiveContentRules, Mode, ReportOrAction
from aduana.inspect import ActiveFinding, ActiveKind
from aduana.policy.attachments import describe
from aduana.policy.context import Citation, RuleContext
from aduana.policy.rule_ids import family_rule
from aduana.policy.scope import exempt, scopes
from aduana.policy.verdict import Action, Reason

_REFUSAL = (550, "5.7.1")
_MACROS = frozenset({ActiveKind.VBA_MACRO, ActiveKind.XLM_MACRO})
# What an authorised sender may send: documents the institution writes itself.
_AUTHORISABLE = frozenset({*_MACROS, ActiveKind.PDF_JAVASCRIPT})


def active_content_reasons(ctx: RuleContext) -> Iterator[Reason]:
    content = ctx.facts.content
    if content is None or content.inspection is None or not content.inspection.active:
        return
    inspection = content.inspection
    for scope in scopes(ctx):
        rule = scope.organisation.rules.active_content
        if rule is None or not scope.applies(rule.directions):
            continue
        account = ctx.account
        authorised = scope.governs_sender and exempt(scope.organisation, rule.authorised, account)
        language = ctx.language_of(scope.organisation)
        judged: set[str] = set()
        # The outermost finding names the file the user knows (the .docm rather than
        # its vbaProject.bin).
        for finding in sorted(
            inspection.active, key=lambda f: f.where.count("!") + f.where.count("#")
        ):
            setting = _setting(rule, finding.kind)
            group = "macros" if finding.kind in _MACROS else finding.kind.value
            if setting is None or group in judged:
                continue
            if authorised and finding.kind in _AUTHORISABLE:
                continue
            judged.add(group)
            mode, action = (
                (rule.mode, setting) if setting != "report" else (Mode.MONITOR, Action.TAG)
            )
            kind = ctx.settings.templates.render(language, f"active_{finding.kind.value}")
            yield ctx.reason(
                Citation(rule.clause, mode, rule.notify),
                rule=family_rule("active_content", group),
                organisation=scope.organisation,
                action=action,
                refusal=_REFUSAL,
                template="active_content",
                waivable_as="macros" if group == "macros" else None,
                file=describe(ctx, language, inspection, finding.where),
                kind=kind,
            )


def _setting(rule: ActiveContentRules, kind: ActiveKind) -> ReportOrAction | None:
    if kind in _MACROS:
        return rule.macros
    return {
        ActiveKind.HTML_SMUGGLING: rule.html_smuggling,
        ActiveKind.PDF_JAVASCRIPT: rule.pdf_javascript,
        ActiveKind.UNCHECKED: rule.unchecked,
    }[kind]


def _depth(finding: ActiveFinding) -> int:
    """How deep a finding sits: archive members ("!") and embedded objects ("#")."""
    return finding.where.count("!") + finding.where.count("#")
