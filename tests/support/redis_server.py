"""A private redis-server on 127.0.0.1 for tests: free port, temp dir, no persistence.

with RedisServer(tmp_path) as server:
    client = redis.Redis.from_url(server.url)
    server.stop()    # simulate an outage
    server.start()   # same port, empty data
"""

from __future__ import annotations

import shutil
import socket
import subprocess
from pathlib import Path

from tests.support.server_process import ServerProcess

LOOPBACK = "127.0.0.1"
REDIS_SERVER = "redis-server"


def redis_server_available() -> bool:
    return shutil.which(REDIS_SERVER) is not None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


def _answers_ping(port: int) -> bool:
    try:
        with socket.create_connection((LOOPBACK, port), timeout=0.2) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer(ServerProcess):
    """One redis-server process; `start` and `stop` may be called repeatedly."""

    def __init__(self, workdir: Path, port: int | None = None) -> None:
        self.workdir = workdir
        self.port = port or _free_port()
        super().__init__()

    @property
    def url(self) -> str:
        return f"redis://{LOOPBACK}:{self.port}/0"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, timeout: float = 5.0) -> None:
        if self.running:
            return
        self.workdir.mkdir(parents=True, exist_ok=True)
        command = [
            REDIS_SERVER,
            "--bind", LOOPBACK,
            "--port", str(self.port),
            "--dir", str(self.workdir),
            "--save", "",
            "--appendonly", "no",
            "--daemonize", "no",
            "--protected-mode", "yes",
            "--logfile", str(self.workdir / "redis.log"),
        ]  # fmt: skip
        self._process = subprocess.Popen(command, stdin=subprocess.DEVNULL)
        self._await_ready(
            lambda: _answers_ping(self.port), timeout, f"redis-server on port {self.port}",
            self.workdir / "redis.log",
        )  # fmt: skip
