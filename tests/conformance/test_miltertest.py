"""Milter protocol conformance: OpenDKIM's miltertest drives the real aduana daemon.

Each Lua script in scripts/ plays the MTA side of one part of the protocol
(negotiation; connect, HELO, MAIL, RCPT; headers and end of message; an abort;
several messages on one connection; a quarantine) and asserts aduana's replies
and modifications itself; it exits 1 with "FAILED: <what>" otherwise. Here the
scripts run one after the other against one `aduana run`, and for each the
daemon's audit log must agree with what the MTA side saw.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.corpus.generate import CASES
from tests.e2e.aduana_fixtures import RunningAduana, start_aduana
from tests.e2e.harness import MilterFactory
from tests.support.required_servers import require_server

SCRIPTS = Path(__file__).resolve().parent / "scripts"
LIB = SCRIPTS / "lib.lua"
MILTERTEST = "miltertest"

# What each script leaves in the audit log: (stage, action) of every transaction event.
EOM = "end_of_message"
MAIL = "mail_from"
AUDITED = {
    "01_negotiation": [],
    "02_envelope": [(MAIL, "reject"), (MAIL, "reject"), (MAIL, "reject"), (MAIL, "reject")],
    "03_headers_and_end_of_message": [(EOM, "tag"), (EOM, "reject")],
    "04_abort": [(EOM, "accept")],
    "05_several_messages": [(EOM, "tag"), (EOM, "accept"), (EOM, "reject"), (EOM, "accept")],
    "06_quarantine": [(EOM, "quarantine"), (EOM, "accept")],
}


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningAduana]:
    """One aduana on the shipped config for all scripts; notices off (no MTA here)."""
    require_server(
        MILTERTEST,
        shutil.which(MILTERTEST) is not None,
        "Debian package 'miltertest' (make system installs it)",
    )
    workdir = tmp_path_factory.mktemp("conformance")
    milters = MilterFactory(workdir / "milters")
    try:
        yield start_aduana(milters, workdir, "notices:\n  enabled: false\n")
    finally:
        milters.cleanup()


@dataclass
class DaemonLog:
    """What the shared daemon logged since the current test started."""

    daemon: RunningAduana
    start: int

    def lines(self) -> list[dict[str, Any]]:
        return [line for line in self.daemon.process.log_lines() if isinstance(line, dict)][
            self.start :
        ]

    def transactions(self) -> list[tuple[str, str]]:
        return [(e["stage"], e["action"]) for e in self.lines() if e["event"] == "transaction"]


@pytest.fixture
def daemon_log(daemon: RunningAduana) -> Iterator[DaemonLog]:
    """The test fails if the daemon logged a warning or an error during it."""
    log = DaemonLog(daemon, len([ln for ln in daemon.process.log_lines() if isinstance(ln, dict)]))
    yield log
    problems = [ln for ln in log.lines() if ln.get("level") in ("warning", "error", "critical")]
    assert problems == [], f"the daemon logged warnings or errors: {problems}"


@pytest.fixture
def executable_message(tmp_path: Path) -> Path:
    path = tmp_path / "programa.eml"
    path.write_bytes(next(c for c in CASES if c.name == "pe_exe").build())
    return path


@pytest.mark.parametrize("script", sorted(AUDITED))
def test_miltertest_script_passes_against_the_daemon(
    script: str, daemon: RunningAduana, daemon_log: DaemonLog, executable_message: Path
) -> None:
    result = subprocess.run(
        [
            MILTERTEST,
            "-D", f"sock={daemon.process.socket.libmilter}",
            "-D", f"lib={LIB}",
            "-D", f"exe={executable_message}",
            "-s", str(SCRIPTS / f"{script}.lua"),
        ],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, f"{result.stderr}\n--- steps that passed:\n{result.stdout}"
    assert daemon_log.transactions() == AUDITED[script]


def test_every_script_is_run() -> None:
    """A script added to scripts/ without an entry above would never run."""
    assert sorted(p.stem for p in SCRIPTS.glob("[0-9]*.lua")) == sorted(AUDITED)
