"""Secrets (passwords, keys) come from a file or an environment variable, never the YAML."""

from __future__ import annotations

import os
from pathlib import Path

from aduana.config.errors import ConfigError, Problem


def read_secret(
    env: str | None, file: Path | None, *, config_file: Path, path: tuple[str, ...]
) -> str | None:
    """The secret named by ``env`` or stored in ``file``; None when neither is set."""
    if file is not None:
        resolved = config_file.parent / file
        try:
            return resolved.read_text(encoding="utf-8").strip()
        except OSError as error:
            raise ConfigError(
                [Problem(config_file, (*path, "file"), f"cannot read secret file: {error}")]
            ) from error
    if env is not None:
        value = os.environ.get(env)
        if value is None:
            raise ConfigError(
                [Problem(config_file, (*path, "env"), f"environment variable {env} is not set")]
            )
        return value
    return None
