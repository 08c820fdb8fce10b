"""The ``quarantine`` section of aduana.yaml: where the hold queue is and how often it is read."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from aduana.config.base import Strict


class QuarantineSettings(Strict):
    """Postfix's hold queue, read with postqueue/postcat and changed with postsuper."""

    postfix_config_dir: Path | None = None
    """``-c`` for the Postfix commands, for a Postfix instance other than /etc/postfix."""
    postfix_command_dir: Path = Path("/usr/sbin")
    """Where postqueue, postcat and postsuper are."""
    command_timeout_seconds: float = Field(default=30.0, gt=0)
    backlog_refresh_seconds: float = Field(default=60.0, ge=0)
    """How often the daemon reads the hold queue for the backlog gauges; 0 = never."""
