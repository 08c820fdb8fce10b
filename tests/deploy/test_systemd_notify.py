"""sd_notify against a real AF_UNIX datagram socket standing in for systemd."""

from __future__ import annotations

import os
import signal
import socket
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from aduana.observability import systemd
from tests.e2e.aduana_fixtures import start_aduana
from tests.e2e.harness import MilterFactory


@dataclass
class FakeSystemd:
    """The receiving end of $NOTIFY_SOCKET."""

    sock: socket.socket
    environ: dict[str, str]

    def received(self) -> list[str]:
        return self.sock.recv(4096).decode("utf-8").split("\n")

    def nothing_received(self) -> bool:
        self.sock.setblocking(False)
        try:
            self.sock.recv(4096)
        except BlockingIOError:
            return True
        finally:
            self.sock.setblocking(True)
        return False


@pytest.fixture
def path_socket() -> Iterator[FakeSystemd]:
    # A short directory: AF_UNIX paths are limited to 108 bytes, pytest's tmp_path can be longer.
    with tempfile.TemporaryDirectory(prefix="sdn-") as directory:
        path = Path(directory) / "notify"
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.bind(str(path))
            sock.settimeout(2)
            yield FakeSystemd(sock, {systemd.NOTIFY_SOCKET: str(path)})


@pytest.fixture
def abstract_socket() -> Iterator[FakeSystemd]:
    name = f"aduana-test-{os.getpid()}-{time.monotonic_ns()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)
        sock.settimeout(2)
        yield FakeSystemd(sock, {systemd.NOTIFY_SOCKET: "@" + name})


@pytest.mark.parametrize(
    ("send", "expected"),
    [
        (lambda env: systemd.ready(environ=env), ["READY=1"]),
        (
            lambda env: systemd.ready("serving 2 organisations", environ=env),
            ["READY=1", "STATUS=serving 2 organisations"],
        ),
        (lambda env: systemd.stopping(environ=env), ["STOPPING=1"]),
        (lambda env: systemd.status("reload failed", environ=env), ["STATUS=reload failed"]),
        (lambda env: systemd.watchdog(environ=env), ["WATCHDOG=1"]),
        (
            lambda env: systemd.reloading(environ=env, monotonic_usec=lambda: 1234567),
            ["RELOADING=1", "MONOTONIC_USEC=1234567"],
        ),
    ],
    ids=["ready", "ready-with-status", "stopping", "status", "watchdog", "reloading"],
)
def test_systemd_receives_each_state_change(
    path_socket: FakeSystemd,
    send: Callable[[dict[str, str]], bool],
    expected: list[str],
) -> None:
    """Each helper delivers exactly the sd_notify assignments systemd acts on."""
    assert send(path_socket.environ) is True
    assert path_socket.received() == expected


def test_notifies_through_an_abstract_socket(abstract_socket: FakeSystemd) -> None:
    """A NOTIFY_SOCKET starting with '@' names a socket in the abstract namespace."""
    assert systemd.ready(environ=abstract_socket.environ) is True
    assert abstract_socket.received() == ["READY=1"]


def test_reloading_stamps_the_current_monotonic_time(path_socket: FakeSystemd) -> None:
    """systemd >= 253 matches RELOADING=1 to its reload request by CLOCK_MONOTONIC."""
    before = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
    systemd.reloading(environ=path_socket.environ)
    after = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
    reloading, stamp = path_socket.received()
    assert reloading == "RELOADING=1"
    assert before <= int(stamp.removeprefix("MONOTONIC_USEC=")) <= after


def test_status_text_is_kept_on_one_line(path_socket: FakeSystemd) -> None:
    """A newline in the status would start a new assignment systemd might obey."""
    systemd.status("bad file\nREADY=1", environ=path_socket.environ)
    assert path_socket.received() == ["STATUS=bad file READY=1"]


@pytest.mark.parametrize(
    "environ",
    [{}, {systemd.NOTIFY_SOCKET: ""}, {systemd.NOTIFY_SOCKET: "vsock:2:1234"}],
    ids=["unset", "empty", "vsock"],
)
def test_does_nothing_outside_systemd(environ: dict[str, str]) -> None:
    """Run by hand or by a test harness, the daemon notifies nobody and carries on."""
    assert systemd.ready(environ=environ) is False
    assert systemd.stopping(environ=environ) is False


def test_a_vanished_socket_does_not_stop_the_daemon(tmp_path: Path) -> None:
    """If systemd's socket is gone the notification is lost, not raised."""
    environ = {systemd.NOTIFY_SOCKET: str(tmp_path / "gone")}
    assert systemd.ready(environ=environ) is False


def test_reads_notify_socket_from_the_process_environment(
    path_socket: FakeSystemd, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Called without arguments, as app.py does, the helpers use os.environ."""
    monkeypatch.setenv(systemd.NOTIFY_SOCKET, path_socket.environ[systemd.NOTIFY_SOCKET])
    assert systemd.ready() is True
    assert path_socket.received() == ["READY=1"]
    assert path_socket.nothing_received()


def _next_message(fake: FakeSystemd, timeout: float) -> list[str]:
    fake.sock.settimeout(timeout)
    return fake.received()


@pytest.mark.e2e
def test_daemon_tells_systemd_it_is_ready_reloading_and_stopping(
    path_socket: FakeSystemd, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Type=notify: systemd starts the MTA only after READY=1, and follows reloads and stops."""
    monkeypatch.setenv(systemd.NOTIFY_SOCKET, path_socket.environ[systemd.NOTIFY_SOCKET])
    milters = MilterFactory(tmp_path / "milters")
    try:
        aduana = start_aduana(milters, tmp_path)
        # start_aduana returns once the milter socket and /metrics answer.
        assert _next_message(path_socket, 3)[0] == "READY=1"
        aduana.process.hup()
        reloading, stamp = _next_message(path_socket, 10)
        assert reloading == "RELOADING=1"
        assert stamp.startswith("MONOTONIC_USEC=")
        assert _next_message(path_socket, 10)[0] == "READY=1"
        assert aduana.process.pid is not None
        os.kill(aduana.process.pid, signal.SIGTERM)
        assert _next_message(path_socket, 10) == ["STOPPING=1"]
    finally:
        milters.cleanup()
