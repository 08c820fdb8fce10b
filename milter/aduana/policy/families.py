"""Every rule family, declared once: its name, its settings model, the templates
its reasons use (with their placeholders), what a written approval may lift,
and the function that finds its reasons.

The engine's table, the template check, the ledger's family names and the
approvals' lifts are all read from ``FAMILIES`` (see policy/vocabulary.py);
the order is the engine's order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from pydantic import BaseModel

from aduana.config.schema import (
    ActiveContentRules,
    AntivirusRule,
    AttachmentRules,
    BulkRules,
    ContentRules,
    DlpRules,
    EncryptionRules,
    IdentityRules,
    MassMailingRules,
    SizeRule,
)
from aduana.inspect.model import ActiveKind, Category, LimitKind, NameAnomaly
from aduana.policy.active_content import active_content_reasons
from aduana.policy.antivirus import antivirus_reasons
from aduana.policy.attachments import attachment_reasons
from aduana.policy.bulk import bulk_reasons
from aduana.policy.content import content_reasons
from aduana.policy.context import RuleContext
from aduana.policy.dlp import dlp_reasons
from aduana.policy.encryption import encryption_reasons
from aduana.policy.identity import identity_reasons
from aduana.policy.mass_mailing import mass_mailing_reasons
from aduana.policy.size import size_reasons
from aduana.policy.verdict import Reason

_NONE = frozenset[str]()


@dataclass(frozen=True)
class RuleFamily:
    name: str
    """Also the key under ``rules:`` in a policy file, and the first part of its rule ids."""
    settings: type[BaseModel]
    reasons: Callable[[RuleContext], Iterable[Reason]]
    templates: Mapping[str, frozenset[str]]
    lifts: tuple[str, ...] = ()
    """What a written approval may lift (``attachment:CATEGORY`` for attachments)."""


def _templates(table: Mapping[str, frozenset[str]]) -> Mapping[str, frozenset[str]]:
    return MappingProxyType(dict(table))


FAMILIES: tuple[RuleFamily, ...] = (
    RuleFamily(
        "identity",
        IdentityRules,
        identity_reasons,
        _templates(
            {
                "unknown_account": frozenset({"sender"}),
                "inactive_account": frozenset({"sender", "status"}),
                "sending_suspended": frozenset({"sender"}),
                "status_suspended": _NONE,
                "status_cancelled": _NONE,
                "login_mismatch": frozenset({"login", "sender"}),
                "header_from_mismatch": frozenset({"login", "address"}),
                "foreign_sender": frozenset({"sender"}),
                "impersonation": frozenset({"address", "domain"}),
            }
        ),
    ),
    RuleFamily(
        "size",
        SizeRule,
        size_reasons,
        _templates(
            {
                "message_size": frozenset({"size", "limit", "rank"}),
                "declared_size": frozenset({"size", "limit", "rank"}),
            }
        ),
    ),
    RuleFamily(  # first of the content rules: a virus is the reply to give
        "antivirus",
        AntivirusRule,
        antivirus_reasons,
        _templates({"virus": _NONE, "virus_unscannable": _NONE, "antivirus_unavailable": _NONE}),
    ),
    RuleFamily(
        "attachments",
        AttachmentRules,
        attachment_reasons,
        _templates(
            {
                **dict.fromkeys((f"category_{c.value}" for c in Category), _NONE),
                **dict.fromkeys((f"trick_{a.value}" for a in NameAnomaly), _NONE),
                **dict.fromkeys((f"limit_{k.value}" for k in LimitKind), _NONE),
                "attachment_blocked": frozenset({"file", "category", "type"}),
                "attachment_name": frozenset({"file", "trick"}),
                "archive_limit": frozenset({"file", "limit"}),
                "malformed": frozenset({"problem"}),
                "uninspectable": frozenset({"file", "problem"}),
                "unnamed_part": frozenset({"path"}),
                "unopened_unreadable_archive": _NONE,
                "unopened_unreadable_tnef": _NONE,
                "unopened_unreadable_binhex": _NONE,
                "unopened_member_not_extracted": _NONE,
                "unopened_read_error": _NONE,
                "image_size": frozenset({"file", "size", "limit"}),
            }
        ),
        lifts=("attachment:CATEGORY",),
    ),
    RuleFamily(
        "encryption",
        EncryptionRules,
        encryption_reasons,
        _templates({"encrypted": frozenset({"file", "kind"})}),
        lifts=("encryption",),
    ),
    RuleFamily(
        "active_content",
        ActiveContentRules,
        active_content_reasons,
        _templates(
            {
                **dict.fromkeys((f"active_{k.value}" for k in ActiveKind), _NONE),
                "active_content": frozenset({"file", "kind"}),
            }
        ),
        lifts=("macros",),
    ),
    RuleFamily(
        "mass_mailing",
        MassMailingRules,
        mass_mailing_reasons,
        _templates(
            {
                "recipients_per_message": frozenset({"count", "limit", "rank"}),
                "rate_messages": frozenset({"count", "limit", "window", "rank"}),
                "rate_recipients": frozenset({"count", "limit", "window", "rank"}),
                "one_to_one": frozenset({"count", "limit", "window", "rank"}),
            }
        ),
        lifts=("recipients_per_message", "rate", "one_to_one"),
    ),
    RuleFamily(
        "content",
        ContentRules,
        content_reasons,
        _templates(
            {
                "content_tagged": frozenset({"category", "score"}),
                "content_refused": frozenset({"category", "score"}),
                "lexicon_offensive": _NONE,
                "lexicon_obscene": _NONE,
                "lexicon_chain_letter": _NONE,
                "lexicon_commercial": _NONE,
            }
        ),
    ),
    RuleFamily(
        "dlp",
        DlpRules,
        dlp_reasons,
        _templates(
            {
                "dlp_marking": frozenset({"marking"}),
                "dlp_personal_data": frozenset({"count", "limit"}),
                "marking_reserved": _NONE,
                "marking_confidential": _NONE,
                "marking_classified": _NONE,
            }
        ),
    ),
    RuleFamily("bulk", BulkRules, bulk_reasons, _templates({"bulk": frozenset({"signals"})})),
)
