"""Reply and notice texts, kept in YAML templates per language, never in code.

Templates use ``$name`` placeholders (string.Template), so an admin-edited
template can only insert the values its caller lists (the table is in
``aduana.policy.vocabulary``), nothing else.
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

LANGUAGES = ("es", "en")

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


def load_templates(
    placeholders: Mapping[str, frozenset[str]], override_dir: Path | None = None
) -> ReplyTemplates:
    """Load the packaged templates, with an admin's files laid over them.

    ``placeholders`` names every template and the placeholders its text may use
    (``Vocabulary.template_placeholders``)."""
    problems: list[Problem] = []
    by_language: dict[str, Mapping[str, Template]] = {}
    packaged = resources.files("aduana") / "templates"
    for language in LANGUAGES:
        with resources.as_file(packaged / f"{language}.yaml") as file:
            texts = _read_texts(file, placeholders, problems)
        if override_dir is not None and (override_dir / f"{language}.yaml").exists():
            texts.update(_read_texts(override_dir / f"{language}.yaml", placeholders, problems))
        by_language[language] = MappingProxyType(_compile(texts, placeholders, problems))
    if problems:
        raise ConfigError(problems)
    return ReplyTemplates(MappingProxyType(by_language))


def _read_texts(
    file: Path, placeholders: Mapping[str, frozenset[str]], problems: list[Problem]
) -> dict[str, tuple[Path, str]]:
    document = read_yaml(file)
    if not isinstance(document.data, dict):
        problems.append(document.problem((), "must be a mapping of template names to texts"))
        return {}
    texts: dict[str, tuple[Path, str]] = {}
    for key, text in document.data.items():
        if key not in placeholders:
            problems.append(document.problem((str(key),), "unknown template name"))
        elif not isinstance(text, str):
            problems.append(document.problem((key,), "must be a text"))
        else:
            texts[key] = (file, text)
    return texts


def _compile(
    texts: Mapping[str, tuple[Path, str]],
    placeholders: Mapping[str, frozenset[str]],
    problems: list[Problem],
) -> dict[str, Template]:
    compiled: dict[str, Template] = {}
    for key, allowed in placeholders.items():
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
