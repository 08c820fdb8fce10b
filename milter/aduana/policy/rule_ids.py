"""The id of every reason a rule family gives, as typed constants.

Reasons, the ledger's severities, the audit event and the metrics name rules by
these ids. Content and active-content ids are built from a category or a kind
(``content.<category>``, ``active_content.<kind>``), with ``family_rule``.
"""

from __future__ import annotations

from enum import StrEnum


class RuleId(StrEnum):
    FOREIGN_SENDER = "identity.foreign_sender"
    LOGIN_MISMATCH = "identity.login_mismatch"
    UNKNOWN_ACCOUNT = "identity.unknown_account"
    SENDING_SUSPENDED = "identity.sending_suspended"
    INACTIVE_ACCOUNT = "identity.inactive_account"
    HEADER_FROM_MISMATCH = "identity.header_from_mismatch"
    IMPERSONATION = "identity.impersonation"
    SIZE_CAP = "size.cap"
    VIRUS = "antivirus.virus"
    VIRUS_UNSCANNABLE = "antivirus.unscannable"
    ANTIVIRUS_UNAVAILABLE = "antivirus.unavailable"
    BLOCKED_TYPE = "attachments.blocked_type"
    IMAGE_SIZE = "attachments.image_size"
    NAME_TRICK = "attachments.name_trick"
    INSPECTION_LIMIT = "attachments.inspection_limit"
    MALFORMED = "attachments.malformed"
    UNINSPECTABLE = "attachments.uninspectable"
    ENCRYPTION_UNAUTHORISED = "encryption.unauthorised"
    RECIPIENTS_PER_MESSAGE = "mass_mailing.recipients_per_message"
    RATE = "mass_mailing.rate"
    ONE_TO_ONE = "mass_mailing.one_to_one"
    CLASSIFIED_MARKING = "dlp.classified_marking"
    PERSONAL_DATA = "dlp.personal_data"
    LIST_MAIL = "bulk.list_mail"


def family_rule(family: str, name: str) -> str:
    """The id of a rule named by configuration or by a finding's kind, e.g. content.obscene."""
    return f"{family}.{name}"
