"""The systemd unit in deploy/systemd: valid for systemd, notify-typed and hardened."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .metric_names import DEPLOY

UNIT = DEPLOY / "systemd" / "aduana.service"
INSTALLED_EXECUTABLE = "/opt/aduana/.venv/bin/aduana"

needs_systemd_analyze = pytest.mark.skipif(
    shutil.which("systemd-analyze") is None,
    reason="systemd-analyze not installed (Debian package 'systemd')",
)


def _directives() -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for line in UNIT.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith(("#", "[")):
            continue
        key, _, value = line.partition("=")
        directives.setdefault(key, []).append(value)
    return directives


def _unit_runnable_here(tmp_path: Path) -> Path:
    """The unit with ExecStart at this checkout's aduana: verify wants it to exist."""
    local = Path(sys.executable).with_name("aduana")
    unit = tmp_path / "aduana.service"
    unit.write_text(
        UNIT.read_text(encoding="utf-8").replace(INSTALLED_EXECUTABLE, str(local)),
        encoding="utf-8",
    )
    return unit


@needs_systemd_analyze
def test_systemd_accepts_the_unit(tmp_path: Path) -> None:
    """`systemd-analyze verify` rejects unknown directives and malformed values."""
    result = subprocess.run(
        ["systemd-analyze", "verify", str(_unit_runnable_here(tmp_path))],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""


@needs_systemd_analyze
def test_unit_exposure_is_rated_ok_by_systemd(tmp_path: Path) -> None:
    """systemd's own hardening score: 'OK' is below 4.0 on its 0 (safe) to 10 scale."""
    result = subprocess.run(
        ["systemd-analyze", "security", "--offline=true", str(_unit_runnable_here(tmp_path))],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    match = re.search(r"Overall exposure level for aduana.service: ([0-9.]+)", result.stdout)
    if match is None:
        pytest.skip(f"this systemd-analyze cannot score units offline: {result.stderr.strip()}")
    assert float(match.group(1)) <= 2.0, result.stdout


@pytest.mark.parametrize(
    ("directive", "value"),
    [
        ("Type", "notify"),
        ("ExecStart", f"{INSTALLED_EXECUTABLE} run --config /etc/aduana/aduana.yaml"),
        ("ExecReload", "/bin/kill -HUP $MAINPID"),
        ("Restart", "on-failure"),
        ("TimeoutStopSec", "15"),
        ("User", "aduana"),
        ("NoNewPrivileges", "yes"),
        ("CapabilityBoundingSet", ""),
        ("ProtectSystem", "strict"),
        ("ProtectHome", "yes"),
        ("PrivateTmp", "yes"),
        ("PrivateDevices", "yes"),
        ("ProtectKernelTunables", "yes"),
        ("ProtectKernelModules", "yes"),
        ("ProtectControlGroups", "yes"),
        ("RestrictAddressFamilies", "AF_INET AF_INET6 AF_UNIX"),
        ("RestrictNamespaces", "yes"),
        ("LockPersonality", "yes"),
        ("MemoryDenyWriteExecute", "yes"),
        ("SystemCallFilter", "@system-service"),
        ("ReadWritePaths", "/var/lib/aduana /run/aduana"),
        ("StateDirectory", "aduana"),
        ("RuntimeDirectory", "aduana"),
    ],
)
def test_unit_runs_aduana_unprivileged_and_confined(directive: str, value: str) -> None:
    assert _directives()[directive] == [value]


def test_unit_has_no_watchdog_the_daemon_does_not_feed() -> None:
    """With WatchdogSec= and no WATCHDOG=1 pings systemd would kill a healthy daemon."""
    assert "WatchdogSec" not in _directives()
