"""Postfix's hold queue, through Postfix's own commands (never by reading queue files).

- ``postqueue -j``: the queue as JSON lines; any user may run it.
- ``postcat -q ID``: a queued message (``-bh``) and its envelope records
  (``-e``, where the SASL login is); needs root or the postfix user.
- ``postsuper -H ID`` releases a held message, ``postsuper -d ID hold`` deletes it;
  ``postqueue -i ID`` then asks for its delivery now. Need root.

Each command gets ``-c CONFIG_DIR`` when a non-default Postfix is named.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from aduana.config.quarantine import QuarantineSettings

_SASL_USERNAME = "named_attribute: sasl_username="
_CLIENT_ADDRESS = "named_attribute: client_address="


class HoldQueueError(Exception):
    """A Postfix command failed or said something aduana cannot read."""


class NotHeldError(HoldQueueError):
    """The queue id is not in the hold queue (released, deleted, delivered or mistyped)."""


@dataclass(frozen=True)
class Submitter:
    """Who submitted a queued message, as the MTA recorded it in the queue file."""

    login: str | None = None
    client_address: str | None = None


@dataclass(frozen=True)
class QueuedMessage:
    """One message of the hold queue, as ``postqueue -j`` describes it."""

    queue_id: str
    arrival: datetime
    sender: str
    recipients: tuple[str, ...]
    """The recipients not yet delivered to."""
    size: int


class PostfixHoldQueue:
    """The hold queue of one Postfix instance."""

    def __init__(self, settings: QuarantineSettings) -> None:
        self._settings = settings

    def held(self) -> list[QueuedMessage]:
        """Every message in the hold queue, oldest first."""
        output = self._run("postqueue", "-j")
        held: list[QueuedMessage] = []
        for line in output.splitlines():
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                if entry.get("queue_name") == "hold":
                    held.append(_queued(entry))
            except (ValueError, KeyError, TypeError) as error:
                raise HoldQueueError(f"postqueue -j printed an unreadable line: {error}") from None
        return sorted(held, key=lambda m: (m.arrival, m.queue_id))

    def find(self, queue_id: str) -> QueuedMessage:
        for message in self.held():
            if message.queue_id == queue_id:
                return message
        raise NotHeldError(f"{queue_id} is not in the hold queue")

    def message(self, queue_id: str) -> bytes:
        """Headers and body as queued (LF line ends), including headers added on the way."""
        return self._run_bytes("postcat", "-bh", "-q", queue_id)

    def headers(self, queue_id: str) -> bytes:
        return self._run_bytes("postcat", "-h", "-q", queue_id)

    def submitter(self, queue_id: str) -> Submitter:
        """Who submitted the message: the SASL login and the client address Postfix
        recorded (after XCLIENT), so a re-check judges the origin the daemon judged."""
        login = client = None
        for line in self._run("postcat", "-e", "-q", queue_id).splitlines():
            if line.startswith(_SASL_USERNAME):
                login = line[len(_SASL_USERNAME) :].strip() or None
            elif line.startswith(_CLIENT_ADDRESS):
                client = line[len(_CLIENT_ADDRESS) :].strip() or None
        return Submitter(login, client)

    def release(self, queue_id: str) -> None:
        """Out of the hold queue, then delivered now (or at the next queue run)."""
        self._run("postsuper", "-H", queue_id)
        # Released is released; if this fails the queue manager delivers it on its next run.
        with contextlib.suppress(HoldQueueError):
            self._run("postqueue", "-i", queue_id)

    def delete(self, queue_id: str) -> None:
        self._run("postsuper", "-d", queue_id, "hold")

    def _command(self, name: str, arguments: Sequence[str]) -> list[str]:
        settings = self._settings
        config = settings.postfix_config_dir
        options = ["-c", str(config)] if config is not None else []
        return [str(Path(settings.postfix_command_dir) / name), *options, *arguments]

    def _run_bytes(self, name: str, *arguments: str) -> bytes:
        argv = self._command(name, arguments)
        try:
            result = subprocess.run(
                argv, capture_output=True, check=False,
                timeout=self._settings.command_timeout_seconds, stdin=subprocess.DEVNULL,
            )  # fmt: skip
        except (OSError, subprocess.TimeoutExpired) as error:
            raise HoldQueueError(f"{' '.join(argv)}: {error}") from error
        if result.returncode != 0:
            said = result.stderr.decode(errors="replace").strip() or f"exit {result.returncode}"
            if name == "postcat" and "not found" in said.lower():
                raise NotHeldError(f"{arguments[-1]} is not in the queue")
            raise HoldQueueError(f"{' '.join(argv)}: {said}")
        return result.stdout

    def _run(self, name: str, *arguments: str) -> str:
        return self._run_bytes(name, *arguments).decode("utf-8", errors="replace")


def _queued(entry: dict[str, object]) -> QueuedMessage:
    recipients = entry.get("recipients") or []
    if not isinstance(recipients, list):
        raise TypeError("recipients must be a list")
    arrival = entry["arrival_time"]
    size = entry.get("message_size", 0)
    if not isinstance(arrival, int | float) or not isinstance(size, int):
        raise TypeError("arrival_time and message_size must be numbers")
    return QueuedMessage(
        queue_id=str(entry["queue_id"]),
        arrival=datetime.fromtimestamp(arrival, UTC),
        sender=str(entry.get("sender") or ""),
        recipients=tuple(str(r["address"]) for r in recipients if isinstance(r, dict)),
        size=size,
    )
