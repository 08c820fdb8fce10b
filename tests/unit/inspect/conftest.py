"""The corpus, generated once per session into a temporary directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from aduana.inspect import InspectionLimits, MessageInspection, inspect_message
from tests.corpus.generate import CASES, write_corpus


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="session")
def inspected(corpus: dict[str, Path]) -> dict[str, MessageInspection]:
    results: dict[str, MessageInspection] = {}
    for case in CASES:
        with corpus[case.name].open("rb") as source:
            results[case.name] = inspect_message(source, InspectionLimits())
    return results
