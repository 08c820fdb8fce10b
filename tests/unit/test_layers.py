"""The package's layers, read from its own imports with ``ast`` (docs/architecture.md).

Every import counts: at module level, inside functions and under TYPE_CHECKING.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import aduana

PACKAGE = Path(aduana.__file__).parent
ROOT_ENTRY_POINTS_MAX = 6


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _imported(module: str, path: Path) -> Iterator[str]:
    """The aduana modules ``module`` imports (a package's ``__init__`` under its name)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = [f"{base}.{alias.name}" for alias in node.names]
            names = [name if name in MODULES else base for name in names]
        else:
            continue
        yield from (name for name in names if name in MODULES and name != module)


IMPORTS = {module: set(_imported(module, path)) for module, path in MODULES.items()}


def _cycle() -> list[str] | None:
    """One import cycle among the package's modules, if there is any."""
    done: set[str] = set()
    for start, imported in IMPORTS.items():
        stack = [(start, iter(sorted(imported)))]
        on_path = [start]
        while stack:
            module, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                on_path.pop()
                done.add(module)
            elif child in on_path:
                return [*on_path[on_path.index(child) :], child]
            elif child not in done:
                stack.append((child, iter(sorted(IMPORTS[child]))))
                on_path.append(child)
    return None


def test_package_has_no_import_cycle() -> None:
    """Not even one hidden under TYPE_CHECKING or inside a function."""
    cycle = _cycle()
    assert cycle is None, " -> ".join(cycle or ())


@pytest.mark.parametrize(
    ("package", "may_import"),
    [
        ("aduana.config", {"aduana.config", "aduana.mta"}),
        ("aduana.mta", {"aduana.mta"}),
        ("aduana.clock", {"aduana.clock"}),
    ],
)
def test_lower_layer_imports_nothing_above_it(package: str, may_import: set[str]) -> None:
    """config is pure data, mta and clock leaves: they learn the names above them from callers."""
    upward = sorted(
        f"{module} imports {imported}"
        for module, imported_modules in IMPORTS.items()
        if module == package or module.startswith(package + ".")
        for imported in imported_modules
        if not any(
            imported == allowed or imported.startswith(allowed + ".") for allowed in may_import
        )
    )
    assert upward == []


def test_package_root_holds_only_entry_points() -> None:
    root = sorted(path.name for path in PACKAGE.glob("*.py"))
    assert len(root) <= ROOT_ENTRY_POINTS_MAX, root


def test_the_checks_see_imports_the_package_really_has() -> None:
    """The reader itself: known edges are found, so an empty answer above means something."""
    assert "aduana.policy.engine" in IMPORTS["aduana.gateway.checkpoint"]
    assert "aduana.config.errors" in IMPORTS["aduana.config.loader"]
    assert "aduana.inspect.archives" in IMPORTS["aduana.inspect.pipeline"]
