"""The names config checks the files against, assembled from the layers above it.

Template names come from the rule families' templates and the inspection's
enums (categories, name tricks, archive limits); approvals may lift any
attachment category; the lexicons are compiled by content. The runtime builder
hands this to ``load_settings`` (see config/vocabulary.py for why).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from aduana.config.vocabulary import Vocabulary
from aduana.content.lexicon import compile_lexicons
from aduana.inspect.model import ActiveKind, Category, LimitKind, NameAnomaly

_NAMES = (
    *(f"category_{c.value}" for c in Category),
    *(f"trick_{a.value}" for a in NameAnomaly),
    *(f"limit_{k.value}" for k in LimitKind),
    *(f"active_{k.value}" for k in ActiveKind),
)

PLACEHOLDERS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        **dict.fromkeys(_NAMES, frozenset[str]()),
        "attachment_blocked": frozenset({"file", "category", "type"}),
        "attachment_name": frozenset({"file", "trick"}),
        "archive_limit": frozenset({"file", "limit"}),
        "malformed": frozenset({"problem"}),
        "uninspectable": frozenset({"file", "problem"}),
        "unnamed_part": frozenset({"path"}),
        **dict.fromkeys(
            (
                "unopened_unreadable_archive",
                "unopened_unreadable_tnef",
                "unopened_unreadable_binhex",
                "unopened_member_not_extracted",
                "unopened_read_error",
            ),
            frozenset[str](),
        ),
        "virus": frozenset(),
        "virus_unscannable": frozenset(),
        "antivirus_unavailable": frozenset(),
        "encrypted": frozenset({"file", "kind"}),
        "active_content": frozenset({"file", "kind"}),
        "image_size": frozenset({"file", "size", "limit"}),
        "content_tagged": frozenset({"category", "score"}),
        "content_refused": frozenset({"category", "score"}),
        "dlp_marking": frozenset({"marking"}),
        "dlp_personal_data": frozenset({"count", "limit"}),
        "bulk": frozenset({"signals"}),
        "marking_reserved": frozenset(),
        "marking_confidential": frozenset(),
        "marking_classified": frozenset(),
        "lexicon_offensive": frozenset(),
        "lexicon_obscene": frozenset(),
        "lexicon_chain_letter": frozenset(),
        "lexicon_commercial": frozenset(),
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
        "unknown_account": frozenset({"sender"}),
        "inactive_account": frozenset({"sender", "status"}),
        "sending_suspended": frozenset({"sender"}),
        "status_suspended": frozenset(),
        "status_cancelled": frozenset(),
        "login_mismatch": frozenset({"login", "sender"}),
        "header_from_mismatch": frozenset({"login", "address"}),
        "foreign_sender": frozenset({"sender"}),
        "impersonation": frozenset({"address", "domain"}),
        "message_size": frozenset({"size", "limit", "rank"}),
        "declared_size": frozenset({"size", "limit", "rank"}),
        "internal_error": frozenset(),
        "recipients_per_message": frozenset({"count", "limit", "rank"}),
        "rate_messages": frozenset({"count", "limit", "window", "rank"}),
        "rate_recipients": frozenset({"count", "limit", "window", "rank"}),
        "one_to_one": frozenset({"count", "limit", "window", "rank"}),
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
)

VOCABULARY = Vocabulary(
    template_placeholders=PLACEHOLDERS,
    attachment_categories=frozenset(c.value for c in Category),
    compile_lexicons=compile_lexicons,
)
