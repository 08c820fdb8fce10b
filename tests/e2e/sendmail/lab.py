"""PrivateSendmail: Debian's Sendmail on 127.0.0.1, aduana as its input mail filter.

`apt-get install sendmail-bin` would replace Postfix, which the other e2e tests
need, so `make sendmail-lab` downloads sendmail-bin, sendmail-cf and m4 with
`apt-get download` and unpacks them with `dpkg -x` under var/sendmail-lab/root
(cached, gitignored). Each instance writes a lab .mc into its own directory:
queues, status and pid file there, the smart host is the recording sink, and the
milter lines are deploy/sendmail/aduana.mc itself with only the socket changed,
so the shipped snippet is what these tests prove. The .mc is turned into a .cf
with the unpacked m4 and cf.m4.

Sendmail runs with -bD, the foreground form of -bd, so the test owns the
process (and its children, through the process group). It logs only to syslog,
which this machine does not run; what Sendmail decided is read from SMTP
replies, the sink and the queue (`mailq -qQ`, the hf files).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from tests.conftest import REPO

from ..harness.ports import LOOPBACK, wait_for_port

LAB_ROOT = REPO / "var" / "sendmail-lab" / "root"
SENDMAIL = LAB_ROOT / "usr" / "libexec" / "sendmail" / "sendmail"
M4 = LAB_ROOT / "usr" / "bin" / "m4"
CF_M4 = LAB_ROOT / "usr" / "share" / "sendmail" / "cf" / "m4" / "cf.m4"
SNIPPET = REPO / "deploy" / "sendmail" / "aduana.mc"
SNIPPET_SOCKET = "S=inet:10025@127.0.0.1"
LAB_DOMAIN = "lab.aduana.test"
LAB_HOSTNAME = f"mta.{LAB_DOMAIN}"

# Sendmail wants a fully qualified host name before it reads its .cf; given a
# bare one ("vm") and no DNS to qualify it, it logs "My unqualified host name
# unknown; sleeping for retry" and sleeps a minute. So the daemon runs in a UTS
# namespace of its own, named LAB_HOSTNAME (unshare is in util-linux).
_WITH_LAB_HOSTNAME = ("unshare", "--uts", "sh", "-c", 'hostname "$0" && exec "$@"')

# "2.0.0 6B5NcLIt012199 Message accepted for delivery"
_ACCEPTED = re.compile(r"^2\.0\.0 (\S+) Message accepted for delivery")


def sendmail_lab_missing() -> str | None:
    """Why the lab cannot run here, or None when it can."""
    if os.geteuid() != 0:
        return "the Sendmail daemon must be started as root"
    missing = [str(path) for path in (SENDMAIL, M4, CF_M4) if not path.exists()]
    if missing:
        return f"{', '.join(missing)} not unpacked (run `make sendmail-lab`)"
    return None


def queue_id_of(reply_text: str) -> str | None:
    """The queue id in Sendmail's reply to an accepted DATA."""
    match = _ACCEPTED.match(reply_text)
    return match.group(1) if match else None


def milter_lines(milter_socket: str) -> str:
    """deploy/sendmail/aduana.mc with aduana's socket (libmilter spelling) put in."""
    snippet = SNIPPET.read_text(encoding="utf-8")
    if SNIPPET_SOCKET not in snippet:
        raise AssertionError(f"{SNIPPET} no longer says {SNIPPET_SOCKET}; update the lab")
    return snippet.replace(SNIPPET_SOCKET, f"S={milter_socket}")


def lab_mc(workdir: Path, port: int, sink_port: int, milter_include: Path) -> str:
    """The lab's sendmail.mc: everything under ``workdir``, loopback only."""
    return f"""\
divert(-1)
dnl aduana e2e lab: written by tests/e2e/sendmail/lab.py
divert(0)dnl
OSTYPE(`linux')dnl
define(`confDOMAIN_NAME', `{LAB_DOMAIN}')dnl
define(`QUEUE_DIR', `{workdir / "mqueue"}')dnl
define(`MSP_QUEUE_DIR', `{workdir / "clientmqueue"}')dnl
define(`STATUS_FILE', `{workdir / "statistics"}')dnl
define(`confPID_FILE', `{workdir / "sendmail.pid"}')dnl
define(`ALIAS_FILE', `')dnl
define(`HELP_FILE', `')dnl
define(`confHOST_STATUS_DIRECTORY', `')dnl
dnl No DNS here: names from files only, and no lookup of the interfaces' names.
define(`confSERVICE_SWITCH_FILE', `{workdir / "service.switch"}')dnl
define(`confDONT_PROBE_INTERFACES', `True')dnl
define(`SMART_HOST', `esmtp:[{LOOPBACK}]')dnl
define(`ESMTP_MAILER_ARGS', `TCP $h {sink_port}')dnl
DAEMON_OPTIONS(`Name=MTA-lab, Port={port}, Addr={LOOPBACK}')dnl
FEATURE(`no_default_msa')dnl
dnl The lab has no DNS: accept and relay example domains without looking them up.
FEATURE(`accept_unresolvable_domains')dnl
FEATURE(`nocanonify')dnl
dnl Open relay, tolerable only because the daemon listens on 127.0.0.1 alone.
FEATURE(`promiscuous_relay')dnl
include(`{milter_include}')dnl
MAILER(`smtp')dnl
"""


@dataclass(frozen=True)
class Quarantined:
    """One message in Sendmail's quarantine (an hf file in the queue directory)."""

    queue_id: str
    reason: str
    sender: str


class SendmailError(RuntimeError):
    """m4 or the Sendmail daemon failed; the message carries their output."""


class PrivateSendmail:
    """One Sendmail daemon on 127.0.0.1:``port`` relaying everything to the sink."""

    def __init__(self, workdir: Path, port: int, sink_port: int, milter_socket: str) -> None:
        self.workdir = workdir
        self.port = port
        self.sink_port = sink_port
        self.milter_socket = milter_socket
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def host(self) -> str:
        return LOOPBACK

    @property
    def cf_path(self) -> Path:
        return self.workdir / "lab.cf"

    @property
    def queue_dir(self) -> Path:
        return self.workdir / "mqueue"

    @property
    def log_path(self) -> Path:
        return self.workdir / "sendmail.out"

    def write_config(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        for queue in ("mqueue", "clientmqueue"):
            (self.workdir / queue).mkdir(mode=0o700, exist_ok=True)
            (self.workdir / queue).chmod(0o700)
        (self.workdir / "service.switch").write_text("hosts files\naliases files\n")
        include = self.workdir / "aduana.mc"
        include.write_text(milter_lines(self.milter_socket), encoding="utf-8")
        mc = self.workdir / "lab.mc"
        mc.write_text(lab_mc(self.workdir, self.port, self.sink_port, include), encoding="utf-8")
        built = subprocess.run(
            [str(M4), str(CF_M4), str(mc)], capture_output=True, timeout=30, check=False
        )
        if built.returncode != 0:
            raise SendmailError(f"m4 failed on {mc}:\n{built.stderr.decode(errors='replace')}")
        self.cf_path.write_bytes(built.stdout)

    def start(self, timeout: float = 15.0) -> None:
        self.write_config()
        self._log = self.log_path.open("ab")
        self._process = subprocess.Popen(
            [*_WITH_LAB_HOSTNAME, LAB_HOSTNAME, str(SENDMAIL), "-C", str(self.cf_path), "-bD"],
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        if not wait_for_port(self.port, timeout):
            self.stop()
            raise SendmailError(
                f"sendmail did not listen on {LOOPBACK}:{self.port} within {timeout}s:\n"
                + self.log_path.read_text(errors="replace")
            )

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM the daemon and every child it forked (its process group)."""
        process, self._process = self._process, None
        if process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None

    def command(self, *args: str) -> str:
        """Run the lab's sendmail binary with its .cf, as an operator would; its output."""
        argv = [str(SENDMAIL), "-C", str(self.cf_path), *args]
        ran = subprocess.run(
            [*_WITH_LAB_HOSTNAME, LAB_HOSTNAME, *argv],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        if ran.returncode != 0:
            raise SendmailError(f"{' '.join(argv)} exited {ran.returncode}:\n{ran.stderr}")
        return ran.stdout + ran.stderr

    def mailq_quarantined(self) -> str:
        """`mailq -qQ`: what an operator sees of Sendmail's quarantine queue."""
        return self.command("-bp", "-qQ")

    def release(self, queue_id: str) -> str:
        """Lift the quarantine (`sendmail -qQ -Q -qI<id>`), then deliver (`sendmail -qI<id>`)."""
        return self.command("-qQ", "-Q", f"-qI{queue_id}", "-v") + self.command(f"-qI{queue_id}")

    def quarantined(self) -> list[Quarantined]:
        """The hf (held) files of the queue: queue id, quarantine reason, sender."""
        held: list[Quarantined] = []
        for path in sorted(self.queue_dir.glob("hf*")):
            lines = path.read_text(errors="replace").splitlines()
            reason = next((line[1:] for line in lines if line.startswith("q")), "")
            sender = next((line[1:] for line in lines if line.startswith("S")), "")
            held.append(Quarantined(path.name[2:], reason, sender))
        return held

    def wait_for_quarantine(self, timeout: float = 10.0) -> list[Quarantined]:
        deadline = time.monotonic() + timeout
        while not (held := self.quarantined()) and time.monotonic() < deadline:
            time.sleep(0.1)
        return held

    def __enter__(self) -> PrivateSendmail:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
