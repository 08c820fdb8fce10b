"""Reading YAML files while remembering where each value came from."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from aduana.config.errors import ConfigError, PathPart, Problem

Model = TypeVar("Model", bound=BaseModel)


@dataclass(frozen=True)
class YamlDocument:
    """The parsed data of one YAML file, plus its node tree for line numbers."""

    file: Path
    data: Any
    root: yaml.Node | None

    def line_of(self, path: tuple[PathPart, ...]) -> int | None:
        """The 1-based line of the deepest node found along ``path``."""
        node = self.root
        line = node.start_mark.line + 1 if node is not None else None
        for part in path:
            child = _child(node, part)
            if child is None:
                break
            node = child
            line = node.start_mark.line + 1
        return line

    def problem(self, path: tuple[PathPart, ...], message: str) -> Problem:
        return Problem(self.file, path, message, self.line_of(path))


def _child(node: yaml.Node | None, part: PathPart) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode) and isinstance(part, str):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == part:
                found: yaml.Node = value
                return found
    if (
        isinstance(node, yaml.SequenceNode)
        and isinstance(part, int)
        and 0 <= part < len(node.value)
    ):
        child: yaml.Node = node.value[part]
        return child
    return None


def read_yaml(file: Path) -> YamlDocument:
    """Parse one YAML file; unreadable or malformed files raise ConfigError."""
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError([Problem(file, (), f"cannot read file: {error}")]) from error
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        detail = getattr(error, "problem", None) or str(error)
        context = getattr(error, "context", None)
        message = f"invalid YAML: {detail}" + (f" ({context})" if context else "")
        raise ConfigError([Problem(file, (), message, line)]) from error
    except RecursionError:
        # PyYAML's composer recurses once per nesting level of flow collections.
        raise ConfigError([Problem(file, (), "invalid YAML: nested too deeply")]) from None
    return YamlDocument(file, data, root)


def validate(
    document: YamlDocument, model: type[Model], context: Mapping[str, object] | None = None
) -> Model:
    """Validate one YAML document, turning pydantic's errors into located problems.

    ``context`` reaches the model's validators (names config takes from its caller)."""
    try:
        return model.model_validate(document.data, context=context)
    except ValidationError as error:
        errors = error.errors(include_url=False)
        locations = [tuple(e["loc"]) for e in errors]
        problems = [
            document.problem(tuple(e["loc"]), e["msg"])
            for e in errors
            # pydantic also reports a container as too short when its items failed.
            if not (e["type"] == "too_short" and _has_deeper(tuple(e["loc"]), locations))
        ]
        raise ConfigError(problems) from None


def _has_deeper(location: tuple[object, ...], locations: Sequence[tuple[object, ...]]) -> bool:
    return any(
        len(other) > len(location) and other[: len(location)] == location for other in locations
    )
