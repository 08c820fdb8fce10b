"""What the layers above config name, for config to check the files against.

config imports nothing from policy, inspect or content. Their names (template
keys and placeholders, rule families, lifts, attachment categories) and the lexicon compiler come in
as one ``Vocabulary``, assembled above config (``aduana.policy.vocabulary``)
and handed to ``load_settings`` by the runtime builder.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from aduana.config.errors import Problem


class ContentScorer(Protocol):
    """The compiled lexicons, as the content rules use them (built by content)."""

    @property
    def category_names(self) -> frozenset[str]: ...

    def scores(self, text: str) -> Mapping[str, float]:
        """Score per lexicon category found in the text."""
        ...


LexiconCompiler = Callable[
    [Sequence[Path], Callable[[int, str], Problem]], tuple[ContentScorer | None, list[Problem]]
]
"""Compiles the shipped lexicons plus the admin's files (``lexicons`` in aduana.yaml).

The second argument locates a problem with the n-th file's entry in aduana.yaml;
problems inside a lexicon file name that file. None when nothing can be compiled.
"""


@dataclass(frozen=True)
class Vocabulary:
    template_placeholders: Mapping[str, frozenset[str]]
    """Every template name, with the placeholders its text may use."""
    rule_families: tuple[str, ...]
    """What ``ledger.severities`` may name (a family, or a rule id in one)."""
    lifts: tuple[str, ...]
    """What an approval's ``lifts`` may name, besides ``attachment:CATEGORY``."""
    attachment_categories: frozenset[str]
    """What ``attachment:CATEGORY`` may name in an approval's ``lifts``."""
    compile_lexicons: LexiconCompiler
