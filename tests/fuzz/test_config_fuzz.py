"""Fuzzing the configuration loader: a broken file is a located ConfigError, never a crash.

A reload on SIGHUP keeps the old runtime only when the loader raises
ConfigError; any other exception escapes the reload. So every document, however
damaged, must load into a Runtime or raise ConfigError whose every problem names
the file and a YAML path. Each example builds the whole runtime from a copy of
the shipped configuration with one file damaged: arbitrary documents,
structural mutations of the parsed shipped files, and text mutations of them.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

import aduana
from aduana.config.errors import ConfigError
from aduana.config.loader import Settings
from aduana.gateway.runtime import build_runtime
from tests.conftest import SHIPPED_CONFIG

from . import CONFIG_DEADLINE, profile

SHIPPED_DIR = SHIPPED_CONFIG.parent
PACKAGE_DIR = Path(aduana.__file__).resolve().parent
FILES = (
    "aduana.yaml",
    "policies/sre.yaml",
    "policies/edugem.yaml",
    "directory/cuentas.yaml",
    "approvals/aprobaciones.yaml",
)
FUZZ = profile(CONFIG_DEADLINE)

# Values an administrator (or a bad editor) might leave behind.
TOKENS = (
    "", "~", "null", "yes", "no", "on", "-1", "0", "1e309", ".nan", "-.inf", "[]", "{}", "[",
    "{", "'", '"', "&a", "*a", "!!binary", "!!python/object/apply:os.system ['true']",
    "!!set {a}", "\t", ": ", "- ", "#", "%YAML 1.1", "---", "...", "é", "\u202e", "x" * 300,
    "2024-13-45", "10 TiB", "5 MiB", "-5 MiB", "0 B", "1d", "0s", "<<: *a", "? a", "|", ">-",
)  # fmt: skip


def _keys(data: Any) -> Iterator[str]:
    if isinstance(data, dict):
        for key, value in data.items():
            yield str(key)
            yield from _keys(value)
    elif isinstance(data, list):
        for item in data:
            yield from _keys(item)


def _parsed(relative: str) -> Any:
    return yaml.safe_load((SHIPPED_DIR / relative).read_text("utf-8"))


KNOWN_KEYS = tuple(sorted({key for relative in FILES for key in _keys(_parsed(relative))}))

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=24),
    st.sampled_from(TOKENS),
)
keys = st.one_of(st.sampled_from(KNOWN_KEYS), st.text(max_size=12))
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(keys, children, max_size=5)
    ),
    max_leaves=24,
)


def _slots(data: Any) -> Iterator[tuple[Any, Any]]:
    """(container, key) for every value below the root."""
    if isinstance(data, dict):
        for key in list(data):
            yield data, key
            yield from _slots(data[key])
    elif isinstance(data, list):
        for index in range(len(data)):
            yield data, index
            yield from _slots(data[index])


@st.composite
def structurally_mutated(draw: st.DrawFn, relative: str) -> str:
    """The shipped file, parsed, with a few values replaced, dropped or added."""
    data = copy.deepcopy(_parsed(relative))
    for _ in range(draw(st.integers(1, 4))):
        slots = list(_slots(data))
        if not slots:
            data = draw(values)
            continue
        container, key = draw(st.sampled_from(slots))
        action = draw(st.sampled_from(["replace", "delete", "add", "wrap"]))
        if action == "replace":
            container[key] = draw(values)
        elif action == "delete":
            del container[key]
        elif action == "wrap":
            container[key] = [container[key]]
        elif isinstance(container, dict):
            container[draw(keys)] = draw(values)
        else:
            container.insert(key, draw(values))
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


@st.composite
def text_mutated(draw: st.DrawFn, relative: str) -> str:
    """The shipped file's text with lines dropped, repeated, re-indented or retyped."""
    lines = (SHIPPED_DIR / relative).read_text("utf-8").split("\n")
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            lines = [draw(st.sampled_from(TOKENS))]
        index = draw(st.integers(0, len(lines) - 1))
        line = lines[index]
        action = draw(
            st.sampled_from(["delete", "repeat", "indent", "dedent", "value", "insert", "cut"])
        )
        if action == "delete":
            del lines[index]
        elif action == "repeat":
            lines.insert(index, line)
        elif action == "indent":
            lines[index] = "  " + line
        elif action == "dedent":
            lines[index] = line[2:] if line.startswith("  ") else line.lstrip()
        elif action == "value":
            head, colon, _ = line.partition(": ")
            lines[index] = head + (colon or ": ") + draw(st.sampled_from(TOKENS))
        elif action == "insert":
            lines.insert(index, draw(st.sampled_from(TOKENS)) + draw(st.text(max_size=8)))
        else:
            lines = [*lines[:index], line[: draw(st.integers(0, len(line)))]]
    return "\n".join(lines)


@pytest.fixture(scope="module")
def config_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the shipped configuration; each example damages one file."""
    target = tmp_path_factory.mktemp("fuzz") / "config"
    copy_tree(SHIPPED_DIR, target)
    return target


def copy_tree(source: Path, target: Path) -> None:
    for path in source.rglob("*"):
        destination = target / path.relative_to(source)
        if path.is_dir():
            destination.mkdir(parents=True, exist_ok=True)
        else:
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(path.read_bytes())


def load_with(config_dir: Path, relative: str, text: str | bytes) -> ConfigError | None:
    """Build the runtime with one file replaced by `text`; the file is restored after."""
    target = config_dir / relative
    original = target.read_bytes()
    target.write_bytes(text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text)
    try:
        runtime = build_runtime(config_dir / "aduana.yaml")
    except ConfigError as error:
        return error
    finally:
        target.write_bytes(original)
    assert isinstance(runtime.settings, Settings)
    runtime.close()
    return None


def assert_located(error: ConfigError, config_dir: Path, main_text: str) -> None:
    """Every problem names a file of the configuration and a path within it."""
    assert error.problems
    for problem in error.problems:
        file = problem.file.resolve()
        assert (
            file.is_relative_to(config_dir.resolve())
            or file.is_relative_to(PACKAGE_DIR)
            or problem.file.name in main_text
        ), f"{problem} names a file outside the configuration"
        assert all(isinstance(part, str | int) for part in problem.path), problem
        assert str(problem).startswith(str(problem.file)), problem
        assert problem.message.strip(), problem


@FUZZ
@given(relative=st.sampled_from(FILES), document=values)
def test_arbitrary_documents_load_or_give_located_problems(
    config_dir: Path, relative: str, document: Any
) -> None:
    text = yaml.safe_dump(document, allow_unicode=True)
    error = load_with(config_dir, relative, text)
    if error is not None:
        assert_located(error, config_dir, text if relative == "aduana.yaml" else "")


@FUZZ
@given(data=st.data(), relative=st.sampled_from(FILES))
def test_structurally_mutated_shipped_files_load_or_give_located_problems(
    config_dir: Path, data: st.DataObject, relative: str
) -> None:
    text = data.draw(structurally_mutated(relative))
    error = load_with(config_dir, relative, text)
    if error is not None:
        assert_located(error, config_dir, text if relative == "aduana.yaml" else "")


@FUZZ
@given(data=st.data(), relative=st.sampled_from(FILES))
def test_text_mutated_shipped_files_load_or_give_located_problems(
    config_dir: Path, data: st.DataObject, relative: str
) -> None:
    text = data.draw(text_mutated(relative))
    error = load_with(config_dir, relative, text)
    if error is not None:
        assert_located(error, config_dir, text if relative == "aduana.yaml" else "")


@FUZZ
@given(relative=st.sampled_from(FILES), raw=st.binary(max_size=512))
def test_arbitrary_bytes_load_or_give_located_problems(
    config_dir: Path, relative: str, raw: bytes
) -> None:
    error = load_with(config_dir, relative, raw)
    if error is not None:
        assert_located(error, config_dir, "")


@pytest.mark.parametrize("relative", FILES)
def test_shipped_files_unchanged_load(config_dir: Path, relative: str) -> None:
    """The baseline the mutations start from: the shipped configuration is valid."""
    assert load_with(config_dir, relative, (SHIPPED_DIR / relative).read_bytes()) is None


@pytest.mark.parametrize("relative", FILES)
def test_deeply_nested_document_is_a_config_error(config_dir: Path, relative: str) -> None:
    error = load_with(config_dir, relative, "clave: " + "[" * 5000)
    assert error is not None
    assert_located(error, config_dir, "")


def test_lexicon_path_with_nul_byte_is_a_config_error(config_dir: Path) -> None:
    main = (SHIPPED_DIR / "aduana.yaml").read_text("utf-8")
    broken = main.replace("lexicons: []", 'lexicons: ["lexico\\x00.yaml"]')
    assert broken != main
    error = load_with(config_dir, "aduana.yaml", broken)
    assert error is not None
    assert_located(error, config_dir, broken)
