"""The names config checks the files against, assembled from the layers above it.

Template names, the families the ledger's severities may name and what an
approval may lift come from the rule families' declarations
(policy/families.py); approvals may lift any attachment category; the
lexicons are compiled by content. The runtime builder
hands this to ``load_settings`` (see config/vocabulary.py for why).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from aduana.config.vocabulary import Vocabulary
from aduana.content.lexicon import compile_lexicons
from aduana.inspect.model import Category
from aduana.policy.families import FAMILIES

_GENERAL: Mapping[str, frozenset[str]] = {
    "notice_subject": frozenset({"clause", "action"}),
    "notice_body": frozenset(
        {"sender", "recipients", "subject", "clause", "detail", "action", "when", "queue_id"}
    ),
    "action_reject": frozenset(),
    "action_tempfail": frozenset(),
    "action_discard": frozenset(),
    "action_quarantine": frozenset(),
    "action_tag": frozenset(),
    "action_accept": frozenset(),
    "reply": frozenset({"clause", "detail"}),
    "internal_error": frozenset(),
    # the review desk (aduana quarantine) and the reports (aduana report)
    "review_subject": frozenset({"action", "queue_id"}),
    "review_body": frozenset(
        {"sender", "recipients", "subject", "when", "queue_id", "action", "clauses", "reason"}
    ),
    "review_released": frozenset(),
    "review_deleted": frozenset(),
    "inactive_subject": frozenset({"unit", "count", "days"}),
    "inactive_body": frozenset({"organisation", "unit", "count", "days", "accounts"}),
}
"""Templates of no rule family: notices, actions, the SMTP reply, reviews, reports."""

PLACEHOLDERS: Mapping[str, frozenset[str]] = MappingProxyType(
    {**{key: allowed for f in FAMILIES for key, allowed in f.templates.items()}, **_GENERAL}
)

VOCABULARY = Vocabulary(
    template_placeholders=PLACEHOLDERS,
    rule_families=tuple(f.name for f in FAMILIES),
    lifts=tuple(lift for f in FAMILIES for lift in f.lifts if ":" not in lift),
    attachment_categories=frozenset(c.value for c in Category),
    compile_lexicons=compile_lexicons,
)
