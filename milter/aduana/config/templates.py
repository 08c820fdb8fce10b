"""Reply and notice texts, kept in YAML templates per language, never in code.

Templates use ``$name`` placeholders (string.Template), so an admin-edited
template can only insert the values listed here, nothing else.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from string import Template
from types import MappingProxyType

from aduana.config.errors import ConfigError, Problem
from aduana.config.yamlfile import read_yaml
from aduana.inspect.model import ActiveKind, Category, LimitKind, NameAnomaly

LANGUAGES = ("es", "en")

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


_TYPOGRAPHY = str.maketrans({"«": '"', "»": '"', "“": '"', "”": '"', "‘": "'", "’": "'"})


def ascii_fold(text: str) -> str:
    """SMTP reply text must be ASCII: drop accents, replace anything else."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_TYPOGRAPHY))
    folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    ascii_text = folded.encode("ascii", "replace").decode("ascii")
    # CR, LF and other controls (e.g. quoted from a hostile address) would break the reply.
    return "".join(c if c.isprintable() else "?" for c in ascii_text)


@dataclass(frozen=True)
class ReplyTemplates:
    """Validated templates for every language aduana speaks."""

    by_language: Mapping[str, Mapping[str, Template]]

    def render(self, language: str, key: str, **values: str) -> str:
        return self.by_language[language][key].substitute(values)

    def render_or(self, language: str, key: str, default: str, **values: str) -> str:
        """Render ``key`` if the templates have it (e.g. admin-added categories may not)."""
        template = self.by_language[language].get(key)
        return template.substitute(values) if template is not None else default


def load_templates(override_dir: Path | None = None) -> ReplyTemplates:
    """Load the packaged templates, with an admin's files laid over them."""
    problems: list[Problem] = []
    by_language: dict[str, Mapping[str, Template]] = {}
    packaged = resources.files("aduana") / "templates"
    for language in LANGUAGES:
        with resources.as_file(packaged / f"{language}.yaml") as file:
            texts = _read_texts(file, problems)
        if override_dir is not None and (override_dir / f"{language}.yaml").exists():
            texts.update(_read_texts(override_dir / f"{language}.yaml", problems))
        by_language[language] = MappingProxyType(_compile(texts, problems))
    if problems:
        raise ConfigError(problems)
    return ReplyTemplates(MappingProxyType(by_language))


def _read_texts(file: Path, problems: list[Problem]) -> dict[str, tuple[Path, str]]:
    document = read_yaml(file)
    if not isinstance(document.data, dict):
        problems.append(document.problem((), "must be a mapping of template names to texts"))
        return {}
    texts: dict[str, tuple[Path, str]] = {}
    for key, text in document.data.items():
        if key not in PLACEHOLDERS:
            problems.append(document.problem((str(key),), "unknown template name"))
        elif not isinstance(text, str):
            problems.append(document.problem((key,), "must be a text"))
        else:
            texts[key] = (file, text)
    return texts


def _compile(texts: Mapping[str, tuple[Path, str]], problems: list[Problem]) -> dict[str, Template]:
    compiled: dict[str, Template] = {}
    for key, allowed in PLACEHOLDERS.items():
        if key not in texts:
            problems.append(Problem(Path("templates"), (key,), "template missing"))
            continue
        file, text = texts[key]
        template = Template(text)
        unknown = set(template.get_identifiers()) - allowed
        if not template.is_valid() or unknown:
            names = ", ".join(sorted(allowed)) or "none"
            problems.append(
                Problem(file, (key,), f"bad placeholder {sorted(unknown)}; allowed: {names}")
            )
            continue
        compiled[key] = template
    return compiled
