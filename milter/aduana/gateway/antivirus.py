"""Asking clamd about a message: I/O of the checkpoint layer, never of the engine.

The whole message, as received, goes to clamd with INSTREAM in one connection.
clamd decodes MIME and opens archives itself, so one round trip covers every
part and member, read by a second, independent parser; docs/performance.md
measures the cost. Sending each decoded part instead would need the
inspection (run in worker processes) to hand every part's bytes back.

The answer becomes a `VirusScan` fact the policy reads (policy/antivirus.py).
Failures of clamd are an outage (`UNAVAILABLE`), which the policy answers with
a tempfail or a tag. A message longer than clamd's StreamMaxLength is
`TOO_LARGE`, a fact about the message, so it never loops on 4xx; it is judged
before sending, because clamd closes the socket mid-stream and the client
library then reports a broken pipe, indistinguishable from an outage.
"""

from __future__ import annotations

import os
from typing import IO, BinaryIO, Protocol, cast

from clamav_client.clamd import (
    BufferTooLongError,
    ClamdError,
    ClamdNetworkSocket,
    ClamdUnixSocket,
)

from aduana.config.schema import AntivirusSettings
from aduana.policy.facts import ScanResult, VirusScan

_CHUNK_BYTES = 64 * 1024


class _LargeReads:
    """The message, read 64 KiB at a time whatever size the reader asks for.

    clamav-client asks for 1 KiB per INSTREAM chunk; every chunk carries its own
    length, so larger ones are as valid to clamd and halve the cost of a 10 MB
    message (docs/performance.md).
    """

    def __init__(self, message: IO[bytes]) -> None:
        self._message = message

    def read(self, size: int = -1) -> bytes:
        return self._message.read(_CHUNK_BYTES)


class VirusScanner(Protocol):
    def scan(self, message: IO[bytes]) -> VirusScan: ...


class ClamdScanner:
    """One INSTREAM connection per message to clamd's unix or TCP socket."""

    def __init__(self, settings: AntivirusSettings) -> None:
        self._settings = settings

    def _client(self) -> ClamdNetworkSocket:
        socket, timeout = self._settings.socket, self._settings.timeout_seconds
        if socket.startswith(("unix:", "local:")):
            return ClamdUnixSocket(socket.split(":", 1)[1], timeout=timeout)
        port, _, host = socket.removeprefix("inet:").partition("@")
        return ClamdNetworkSocket(host or "127.0.0.1", int(port), timeout=timeout)

    def scan(self, message: IO[bytes]) -> VirusScan:
        if message.seek(0, os.SEEK_END) > self._settings.stream_max_bytes:
            return VirusScan(ScanResult.TOO_LARGE, error="longer than stream_max_bytes")
        message.seek(0)
        try:
            answers = self._client().instream(cast(BinaryIO, _LargeReads(message)))  # only read()
        except BufferTooLongError:
            return VirusScan(ScanResult.TOO_LARGE, error="INSTREAM size limit exceeded")
        # The client library raises ClamdError for what clamd says and lets socket
        # errors (clamd stopped mid-stream, a write timeout) through as OSError.
        except (ClamdError, OSError) as error:
            return VirusScan(ScanResult.UNAVAILABLE, error=f"{type(error).__name__}: {error}")
        status, detail = answers.get("stream", ("ERROR", "no answer"))
        if status == "FOUND":
            return VirusScan(ScanResult.INFECTED, signature=detail)
        if status == "OK":
            return VirusScan(ScanResult.CLEAN)
        return VirusScan(ScanResult.UNAVAILABLE, error=f"clamd: {detail}")
