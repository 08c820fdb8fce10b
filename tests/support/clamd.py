"""A private clamd on a unix socket, with a signature database the suite builds.

This machine cannot reach the signature mirrors, so the database is one line of
`.hdb` (md5:size:name) for Debian's harmless `clam.exe` (clamav-testfiles).
Debian's own clamav-daemon and freshclam services are neither used nor needed:
this clamd has its own socket, database, temporary directory and log.

with ClamdServer(tmp_path) as clamd:
    clamd.socket_spec      # "unix:/tmp/.../clamd.sock" for aduana.yaml
    clamd.stop()           # simulate an outage
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from tests.support.server_process import ServerProcess

CLAMD = "/usr/sbin/clamd"
TESTFILES = Path("/usr/share/clamav-testfiles")
CLAM_EXE = TESTFILES / "clam.exe"
SIGNATURE = "Aduana.Test.ClamExe"
# clamd reports signatures from a database it did not get from the mirrors so.
REPORTED_SIGNATURE = f"{SIGNATURE}.UNOFFICIAL"


def require_clamd() -> None:
    """Skip without clamd and its test files; under CI=true that is a failure."""
    missing = [
        what
        for what, present in (
            (f"clamd ({CLAMD}, Debian package clamav-daemon)", Path(CLAMD).exists()),
            (f"{CLAM_EXE} (Debian package clamav-testfiles)", CLAM_EXE.exists()),
        )
        if not present
    ]
    if not missing:
        return
    message = "needs " + " and ".join(missing) + " (make system installs them)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def clam_exe() -> bytes:
    return CLAM_EXE.read_bytes()


def _answers_ping(path: Path) -> bool:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(0.5)
            conn.connect(str(path))
            conn.sendall(b"nPING\n")
            return conn.recv(16).startswith(b"PONG")
    except OSError:
        return False


class ClamdServer(ServerProcess):
    """One clamd in the foreground; `start` and `stop` may be called repeatedly."""

    def __init__(self, workdir: Path, stream_max: str = "30M") -> None:
        self.workdir = workdir
        self.stream_max = stream_max
        super().__init__()

    @property
    def socket_path(self) -> Path:
        return self.workdir / "clamd.sock"

    @property
    def socket_spec(self) -> str:
        return f"unix:{self.socket_path}"

    @property
    def log(self) -> Path:
        return self.workdir / "clamd.log"

    def _write_config(self) -> Path:
        database = self.workdir / "db"
        database.mkdir(parents=True, exist_ok=True)
        (self.workdir / "tmp").mkdir(exist_ok=True)
        data = clam_exe()
        line = f"{hashlib.md5(data).hexdigest()}:{len(data)}:{SIGNATURE}\n"
        (database / "aduana-test.hdb").write_text(line, encoding="ascii")
        config = self.workdir / "clamd.conf"
        config.write_text(
            f"Foreground yes\n"
            f"LocalSocket {self.socket_path}\n"
            f"DatabaseDirectory {database}\n"
            f"TemporaryDirectory {self.workdir / 'tmp'}\n"
            f"LogFile {self.log}\n"
            f"StreamMaxLength {self.stream_max}\n",
            encoding="ascii",
        )
        return config

    def start(self, timeout: float = 60.0) -> None:
        if self._process is not None and self._process.poll() is None:
            return
        config = self._write_config()
        self.socket_path.unlink(missing_ok=True)
        self._process = subprocess.Popen(
            [shutil.which("clamd") or CLAMD, f"--config-file={config}"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        self._await_ready(lambda: _answers_ping(self.socket_path), timeout, "clamd", self.log)
