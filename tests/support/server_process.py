"""The lifecycle every real server started by the suite shares: start, wait, stop."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Self


class ServerProcess:
    """A foreground server process owned by a fixture; subclasses implement ``start``."""

    stop_timeout = 5.0

    def __init__(self) -> None:
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 5.0) -> None:
        raise NotImplementedError

    def _await_ready(self, ready: Callable[[], bool], timeout: float, name: str, log: Path) -> None:
        """Wait until ``ready()``; if the process dies or time runs out, stop it and say why."""
        assert self._process is not None
        deadline = time.monotonic() + timeout
        while not ready():
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                text = log.read_text(errors="replace") if log.exists() else ""
                raise RuntimeError(f"{name} did not start:\n{text}")
            time.sleep(0.02)

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=self.stop_timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
