"""Fixtures shared by every layer of the test pyramid."""

from __future__ import annotations

from pathlib import Path

import pytest

from aduana.gateway.runtime import Runtime, build_runtime

REPO = Path(__file__).resolve().parent.parent
SHIPPED_CONFIG = REPO / "config" / "aduana.yaml"


@pytest.fixture(scope="session")
def shipped_runtime() -> Runtime:
    """The bundled default configuration and sample directory."""
    return build_runtime(SHIPPED_CONFIG)
