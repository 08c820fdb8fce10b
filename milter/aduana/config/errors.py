"""Configuration errors that name the file, the YAML path and the problem."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

PathPart = str | int


def yaml_path(parts: Sequence[PathPart]) -> str:
    """Render a location like ``organisations[0].rules.size.caps[1]``."""
    rendered = ""
    for part in parts:
        if isinstance(part, int):
            rendered += f"[{part}]"
        else:
            rendered += f".{part}" if rendered else part
    return rendered or "(top level)"


@dataclass(frozen=True)
class Problem:
    """One thing wrong in one file."""

    file: Path
    path: tuple[PathPart, ...]
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else str(self.file)
        return f"{where}: {yaml_path(self.path)}: {self.message}"


class ConfigError(Exception):
    """A configuration (or directory) file that cannot be used; lists every problem."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
