"""A private PostgreSQL cluster on 127.0.0.1 for tests: free port, temp dir, password auth.

with PostgresServer() as server:     # initdb + postgres, as the `postgres` user when root
    server.dsn                       # "host=127.0.0.1 port=PORT dbname=aduana user=aduana"
    server.password                  # the throwaway password of that role
    server.stop()                    # simulate an outage
    server.start()                   # same port, same data

Needs the Debian package ``postgresql`` (binaries in /usr/lib/postgresql/*/bin).
PostgreSQL refuses to run as root, so when the suite is root the cluster runs as
the ``postgres`` user (``nobody`` if there is none) in a 0755 directory under /tmp.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType

from tests.support.required_servers import require_server
from tests.support.server_process import ServerProcess

LOOPBACK = "127.0.0.1"
DATABASE = "aduana"
ROLE = "aduana"
PASSWORD = "clave-de-prueba"  # a throwaway test cluster, loopback only


def postgres_bin() -> Path | None:
    """The newest /usr/lib/postgresql/N/bin that has initdb and postgres."""
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0,
    )
    for bin_dir in reversed(versions):
        if (bin_dir / "initdb").exists() and (bin_dir / "postgres").exists():
            return bin_dir
    return None


def require_postgresql() -> Path:
    """The server binaries; a skip saying why when missing, a failure under CI=true."""
    bin_dir = postgres_bin()
    require_server(
        "PostgreSQL (initdb, postgres)", bin_dir is not None,
        "Debian package 'postgresql' (make system installs it)",
    )  # fmt: skip
    assert bin_dir is not None
    return bin_dir


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


def _server_user() -> str | None:
    """Who runs the cluster: None (ourselves) unless we are root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise RuntimeError("running as root and neither a postgres nor a nobody user exists")


class PostgresServer(ServerProcess):
    """One postgres process over a cluster made by initdb; `start`/`stop` may repeat."""

    stop_timeout = 10.0

    def __init__(self, bin_dir: Path | None = None, port: int | None = None) -> None:
        found = bin_dir or postgres_bin()
        if found is None:
            raise RuntimeError("PostgreSQL is not installed (apt-get install -y postgresql)")
        self.bin_dir = found
        self.port = port or _free_port()
        self.user = _server_user()
        self.base_dir = Path(tempfile.mkdtemp(prefix="aduana-pg-"))
        self.base_dir.chmod(0o755)
        self.data_dir = self.base_dir / "data"
        self.socket_dir = self.base_dir / "run"
        self.log_path = self.base_dir / "postgres.log"
        self.password = PASSWORD
        self._initialised = False
        self._created = False
        self._log_offset = 0
        super().__init__()

    @property
    def dsn(self) -> str:
        return f"host={LOOPBACK} port={self.port} dbname={DATABASE} user={ROLE}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, timeout: float = 30.0) -> None:
        if self.running:
            return
        if not self._initialised:
            self._initdb()
        command = [
            str(self.bin_dir / "postgres"),
            "-D", str(self.data_dir),
            "-h", LOOPBACK,
            "-p", str(self.port),
            "-k", str(self.socket_dir),
            "-c", "fsync=off",
            "-c", "full_page_writes=off",
            "-c", "synchronous_commit=off",
        ]  # fmt: skip
        # Only this start's "ready to accept" counts: the log is kept across restarts.
        self._log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                user=self.user,
            )  # fmt: skip
        self._await_ready(self._accepts, timeout, f"postgres on port {self.port}", self.log_path)
        if not self._created:
            self._create_database()

    def stop(self) -> None:
        """Fast shutdown (SIGINT): SIGTERM would wait for the daemons' connections to end."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=self.stop_timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def _initdb(self) -> None:
        self.data_dir.mkdir()
        self.socket_dir.mkdir()
        password_file = self.base_dir / "superuser.password"
        password_file.write_text(PASSWORD + "\n", encoding="utf-8")
        if self.user is not None:
            for path in (self.base_dir, self.data_dir, self.socket_dir, password_file):
                shutil.chown(path, self.user)
        self.data_dir.chmod(0o700)
        initdb = [
            str(self.bin_dir / "initdb"),
            "-D", str(self.data_dir),
            "-U", ROLE,
            f"--pwfile={password_file}",
            "--auth=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        ]  # fmt: skip
        result = subprocess.run(
            initdb, stdin=subprocess.DEVNULL, capture_output=True, user=self.user, check=False
        )
        password_file.unlink()
        if result.returncode != 0:
            raise RuntimeError(f"initdb failed:\n{result.stdout.decode()}{result.stderr.decode()}")
        self._initialised = True

    def _accepts(self) -> bool:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.settimeout(0.2)
            try:
                probe.connect((LOOPBACK, self.port))
            except OSError:
                return False
        if not self.log_path.exists():
            return False
        return b"ready to accept" in self.log_path.read_bytes()[self._log_offset :]

    def _create_database(self) -> None:
        import psycopg

        admin = f"host={LOOPBACK} port={self.port} dbname=postgres user={ROLE}"
        with psycopg.connect(admin, password=PASSWORD, autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {DATABASE}")
        self._created = True

    def reset(self) -> None:
        """Drop every table, so the next ledger starts from an empty database."""
        import psycopg

        with psycopg.connect(self.dsn, password=PASSWORD, autocommit=True) as connection:
            connection.execute(
                f"DROP SCHEMA public CASCADE; CREATE SCHEMA public AUTHORIZATION {ROLE}"
            )

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.base_dir, ignore_errors=True)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.cleanup()
