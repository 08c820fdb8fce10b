"""MilterProcess: run a milter daemon as a child process and know when it is ready."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from .ports import port_accepts


class MilterStartError(RuntimeError):
    """The milter exited or never became ready; carries its output."""


@dataclass(frozen=True)
class SocketSpec:
    """Where a milter listens, readable in both libmilter and Postfix spelling."""

    family: str  # "inet" or "unix"
    host: str = ""
    port: int = 0
    path: str = ""

    @classmethod
    def parse(cls, spec: str) -> SocketSpec:
        """Accept "inet:PORT@HOST" (libmilter), "inet:HOST:PORT" (Postfix) or "unix:PATH"."""
        family, _, rest = spec.partition(":")
        if family in ("unix", "local"):
            return cls("unix", path=rest)
        if family != "inet":
            raise ValueError(f"unsupported milter socket {spec!r}")
        if "@" in rest:
            port, _, host = rest.partition("@")
        else:
            host, _, port = rest.rpartition(":")
        return cls("inet", host=host or "127.0.0.1", port=int(port))

    @property
    def libmilter(self) -> str:
        return f"unix:{self.path}" if self.family == "unix" else f"inet:{self.port}@{self.host}"

    @property
    def postfix(self) -> str:
        return f"unix:{self.path}" if self.family == "unix" else f"inet:{self.host}:{self.port}"

    def accepts(self) -> bool:
        if self.family == "inet":
            return port_accepts(self.port, self.host)
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            probe.settimeout(0.5)
            try:
                probe.connect(self.path)
            except OSError:
                return False
            return True


def _url_answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=0.5) as response:
            return 200 <= int(response.status) < 300
    except (urllib.error.URLError, OSError):
        return False


class MilterProcess:
    """A milter daemon child process, its output captured to `log_path`.

    `argv` must already tell the daemon where to listen; `socket_spec` says
    where to probe for readiness (either spelling, see SocketSpec.parse).
    """

    def __init__(
        self,
        argv: Sequence[str],
        socket_spec: str,
        *,
        log_path: Path,
        metrics_url: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.argv = list(argv)
        self.socket = SocketSpec.parse(socket_spec)
        self.log_path = log_path
        self.metrics_url = metrics_url
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def postfix_spec(self) -> str:
        """The value for Postfix's smtpd_milters."""
        return self.socket.postfix

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def returncode(self) -> int | None:
        return None if self._process is None else self._process.poll()

    def start(self, timeout: float = 15.0) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("ab")
        self._process = subprocess.Popen(
            self.argv,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=self.env,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while not self._ready():
            if not self.alive:
                raise MilterStartError(
                    f"milter exited with {self.returncode} before it was ready:\n{self.log_text()}"
                )
            if time.monotonic() > deadline:
                self.kill()
                raise MilterStartError(f"milter not ready after {timeout}s:\n{self.log_text()}")
            time.sleep(0.05)

    def _ready(self) -> bool:
        if not self.socket.accepts():
            return False
        return self.metrics_url is None or _url_answers(self.metrics_url)

    def _signal(self, signum: signal.Signals) -> None:
        if self.alive:
            assert self._process is not None
            self._process.send_signal(signum)

    def hup(self) -> None:
        self._signal(signal.SIGHUP)

    def terminate(self, timeout: float = 10.0) -> int | None:
        """SIGTERM and wait; SIGKILL if it does not exit in time. Returns the exit code."""
        if self._process is None:
            return None
        self._signal(signal.SIGTERM)
        try:
            self._process.wait(timeout)
        except subprocess.TimeoutExpired:
            return self.kill()
        self._close_log()
        return self._process.returncode

    def kill(self) -> int | None:
        """SIGKILL and reap. Returns the exit code (negative signal number)."""
        if self._process is None:
            return None
        self._signal(signal.SIGKILL)
        self._process.wait()
        self._close_log()
        return self._process.returncode

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_lines(self) -> list[dict[str, Any] | str]:
        """Output lines, JSON objects parsed into dicts, everything else as text."""
        lines: list[dict[str, Any] | str] = []
        for line in self.log_text().splitlines():
            try:
                parsed = json.loads(line)
            except json.JSONDecodeError:
                lines.append(line)
                continue
            lines.append(parsed if isinstance(parsed, dict) else line)
        return lines

    def __enter__(self) -> MilterProcess:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.terminate()
