"""PrivatePostfix: a throwaway Postfix instance on 127.0.0.1 that relays to the sink.

Each instance owns a temp tree (config, queue, data, log) and a port, so several
can run at once next to the system Postfix. Postfix insists on running as root,
on a root-owned queue directory and on every parent directory being searchable
by the `postfix` user, hence the 0755 tree under /tmp rather than pytest's
0700 tmp_path.

Postfix commands print their errors on stderr only when it is a terminal;
otherwise they log them, and an error met before main.cf is read (a bad
parameter value, say) goes to syslog, which this machine does not run. So
commands run with stderr on a pseudo-terminal, and a failed start reports what
Postfix said instead of "exited 1" and nothing else.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import pty
import re
import selectors
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .ports import LOOPBACK, free_port, wait_for_port

POSTFIX = "/usr/sbin/postfix"
POSTQUEUE = "/usr/sbin/postqueue"

# A port from free_port() is only free until someone else binds it; master then
# fails with "Address already in use". Starting again on a new port is the fix
# for that one race; nothing else is retried.
START_ATTEMPTS = 3
PORT_TAKEN = "Address already in use"

# One DNS label: Postfix rejects myhostname when a label starts or ends with "-".
_HOSTNAME_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


class PostfixError(RuntimeError):
    """A postfix command failed; the message carries its output and the mail log tail."""


@dataclass(frozen=True)
class MilterTimeouts:
    connect: str = "5s"
    command: str = "10s"
    content: str = "60s"


DEFAULT_MILTER_TIMEOUTS = MilterTimeouts()


# Every service runs unchrooted (the chroot would lack our temp paths).
MASTER_CF = """\
{listen} inet n - n - - smtpd
pickup     unix  n - n 60   1 pickup
cleanup    unix  n - n -    0 cleanup
qmgr       unix  n - n 300  1 qmgr
tlsmgr     unix  - - n 1000? 1 tlsmgr
rewrite    unix  - - n -    - trivial-rewrite
bounce     unix  - - n -    0 bounce
defer      unix  - - n -    0 bounce
trace      unix  - - n -    0 bounce
verify     unix  - - n -    1 verify
flush      unix  n - n 1000? 0 flush
proxymap   unix  - - n -    - proxymap
proxywrite unix  - - n -    1 proxymap
smtp       unix  - - n -    - smtp
relay      unix  - - n -    - smtp
showq      unix  n - n -    - showq
error      unix  - - n -    - error
retry      unix  - - n -    - error
discard    unix  - - n -    - discard
anvil      unix  - - n -    1 anvil
scache     unix  - - n -    1 scache
postlog    unix-dgram n - n - 1 postlogd
"""


def postfix_available() -> bool:
    return Path(POSTFIX).exists() and Path(POSTQUEUE).exists()


class PrivatePostfix:
    """One private Postfix: SMTP on 127.0.0.1:`port`, relaying to [127.0.0.1]:`sink_port`."""

    def __init__(
        self,
        sink_port: int,
        *,
        name: str | None = None,
        milter: str | None = None,
        timeouts: MilterTimeouts = DEFAULT_MILTER_TIMEOUTS,
        extra_main_cf: Mapping[str, str] | None = None,
        base_dir: Path | None = None,
    ) -> None:
        self.sink_port = sink_port
        self.milter = milter
        self.timeouts = timeouts
        self.extra_main_cf = dict(extra_main_cf or {})
        self.base_dir = Path(base_dir or tempfile.mkdtemp(prefix="aduana-pf-"))
        if name is None:
            name = hostname_label(self.base_dir.name)
        elif not _HOSTNAME_LABEL.fullmatch(name):
            raise ValueError(f"instance name {name!r} is not a hostname label ([a-z0-9-])")
        self.name = name
        self.port = free_port()
        self.config_dir = self.base_dir / "etc"
        self.queue_dir = self.base_dir / "queue"
        self.data_dir = self.base_dir / "data"
        self.log_path = self.base_dir / "maillog"
        self._master_pid: int | None = None

    @property
    def host(self) -> str:
        return LOOPBACK

    @property
    def myhostname(self) -> str:
        return f"{self.name}.e2e.test"

    # --- configuration -------------------------------------------------

    def main_cf_settings(self) -> dict[str, str]:
        settings = {
            "compatibility_level": "3.6",
            "queue_directory": str(self.queue_dir),
            "data_directory": str(self.data_dir),
            "mail_owner": "postfix",
            "setgid_group": "postdrop",
            "myhostname": self.myhostname,
            "mydomain": "e2e.test",
            "myorigin": "$myhostname",
            "mydestination": "",
            "local_recipient_maps": "",
            "alias_maps": "",
            "alias_database": "",
            "inet_interfaces": LOOPBACK,
            "inet_protocols": "ipv4",
            "mynetworks": "127.0.0.0/8",
            "relayhost": f"[{LOOPBACK}]:{self.sink_port}",
            "smtpd_relay_restrictions": "permit_mynetworks, reject_unauth_destination",
            # The gateway is the institutions' MX: mail from the internet (XCLIENT
            # ADDR=...) is relayed only to their domains.
            "relay_domains": "sre.gob.mx, .sre.gob.mx, edugem.gob.mx, seiem.edu.mx",
            "smtp_dns_support_level": "disabled",
            "smtpd_peername_lookup": "no",
            "message_size_limit": "52428800",
            "mailbox_size_limit": "0",
            "maillog_file": str(self.log_path),
            "maillog_file_prefixes": f"/var, /dev/stdout, {self.base_dir}",
            "syslog_name": f"postfix-{self.name}",
            "queue_run_delay": "1s",
            "minimal_backoff_time": "1s",
            "maximal_backoff_time": "2s",
            "in_flow_delay": "0",
            "smtpd_error_sleep_time": "0",
            "biff": "no",
            "smtputf8_enable": "yes",
            "smtp_tls_security_level": "none",
            "smtpd_tls_security_level": "none",
            "notify_classes": "",
            "smtpd_authorized_xclient_hosts": LOOPBACK,
            "smtpd_milters": self.milter or "",
            "non_smtpd_milters": "",
            "milter_default_action": "tempfail",
            "milter_protocol": "6",
            "milter_connect_timeout": self.timeouts.connect,
            "milter_command_timeout": self.timeouts.command,
            "milter_content_timeout": self.timeouts.content,
        }
        settings.update(self.extra_main_cf)
        return settings

    def write_config(self) -> None:
        self.config_dir.mkdir(parents=True, exist_ok=True)
        main_cf = "".join(f"{key} = {value}\n" for key, value in self.main_cf_settings().items())
        listen = f"{LOOPBACK}:{self.port}"
        _write_settled(self.config_dir / "main.cf", main_cf)
        _write_settled(self.config_dir / "master.cf", MASTER_CF.format(listen=listen))

    def _prepare_tree(self) -> None:
        for directory in (self.base_dir, self.config_dir, self.queue_dir):
            directory.mkdir(parents=True, exist_ok=True)
            os.chown(directory, 0, 0)
            directory.chmod(0o755)
        self.write_config()

    # --- lifecycle -----------------------------------------------------

    def _run(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = run_with_terminal(argv)
        if check and result.returncode != 0:
            raise PostfixError(self._failure_report(result))
        return result

    def _postfix(self, command: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self._run(POSTFIX, "-c", str(self.config_dir), command, check=check)

    def _failure_report(self, result: subprocess.CompletedProcess[str], *extra: str) -> str:
        argv = " ".join(str(arg) for arg in result.args)
        return "\n".join(
            [
                f"{argv} exited {result.returncode}",
                f"--- stdout ---\n{result.stdout}",
                f"--- stderr (terminal) ---\n{result.stderr}",
                *extra,
                f"--- maillog tail ---\n{self.log_tail()}",
            ]
        )

    def start(self, timeout: float = 20.0) -> None:
        self._prepare_tree()
        for attempt in range(1, START_ATTEMPTS + 1):
            log_before = len(self.log_text())
            result = self._postfix("start", check=False)
            if result.returncode == 0:
                break
            said = result.stderr + self.log_text()[log_before:]
            if PORT_TAKEN in said and attempt < START_ATTEMPTS:
                taken = self.port
                self.port = free_port()
                logging.getLogger(__name__).warning(
                    "%s: port %d was taken before master could bind it; retrying on %d",
                    self.name,
                    taken,
                    self.port,
                )
                self.write_config()
                # Keep the failed attempt's log apart: the instance's maillog should
                # only hold the life of the instance that did start.
                with contextlib.suppress(FileNotFoundError):
                    self.log_path.rename(self.log_path.with_name(f"maillog.attempt-{attempt}"))
                continue
            raise PostfixError(self._failure_report(result, self._verbose_check()))
        if not wait_for_port(self.port, timeout):
            self.stop()
            raise PostfixError(
                f"smtpd never listened on {self.port}\n"
                f"--- postfix start said ---\n{result.stderr}\n"
                f"--- maillog tail ---\n{self.log_tail()}"
            )
        self._master_pid = self.master_pid()

    def _verbose_check(self) -> str:
        """`postfix -v check` output: config, queue tree and permissions, without starting."""
        check = run_with_terminal((POSTFIX, "-v", "-c", str(self.config_dir), "check"))
        lines = check.stderr.splitlines()[-60:]
        return f"--- postfix -v check (exit {check.returncode}) ---\n" + "\n".join(lines)

    def master_pid(self) -> int | None:
        try:
            text = (self.queue_dir / "pid" / "master.pid").read_text().strip()
        except FileNotFoundError:
            return None
        return int(text) if text.isdigit() else None

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the instance; escalates to SIGKILL of master's process group.

        Safe to call twice and after a failed start.
        """
        pid = self.master_pid() or self._master_pid
        if pid is not None and _alive(pid):
            self._postfix("stop", check=False)
            if not _wait_gone(pid, timeout):
                self._postfix("abort", check=False)
            if not _wait_gone(pid, 2.0):
                # master is a session leader, so its group is exactly this instance.
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)
                _wait_gone(pid, 2.0)
        self._master_pid = None

    def cleanup(self) -> None:
        """Stop and remove the temp tree unless ADUANA_E2E_KEEP is set."""
        self.stop()
        if not os.environ.get("ADUANA_E2E_KEEP"):
            shutil.rmtree(self.base_dir, ignore_errors=True)

    @property
    def running(self) -> bool:
        pid = self.master_pid()
        return pid is not None and _alive(pid)

    def reload(self) -> None:
        """Reload and wait until every smtpd started under the old config has gone."""
        old_smtpds = self._smtpd_pids()
        self._postfix("reload")
        deadline = time.monotonic() + 10.0
        while any(_alive(pid) for pid in old_smtpds) and time.monotonic() < deadline:
            time.sleep(0.05)

    def _smtpd_pids(self) -> list[int]:
        master = self.master_pid()
        if master is None:
            return []
        pids = []
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                stat = (proc / "stat").read_text()
            except OSError:
                continue
            # "pid (comm) state ppid ..."; comm may contain spaces, so split after ')'.
            comm = stat[stat.index("(") + 1 : stat.rindex(")")]
            ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
            if ppid == master and comm == "smtpd":
                pids.append(int(proc.name))
        return pids

    def set_milter(self, spec: str | None, timeouts: MilterTimeouts | None = None) -> None:
        """Point smtpd_milters at `spec` (e.g. "inet:127.0.0.1:PORT"), or none, and reload."""
        self.milter = spec
        if timeouts is not None:
            self.timeouts = timeouts
        self.write_config()
        if self.running:
            self.reload()

    def flush(self) -> None:
        self._run(POSTQUEUE, "-c", str(self.config_dir), "-f")

    # --- inspection ----------------------------------------------------

    def queue(self) -> list[dict[str, Any]]:
        """The queue as `postqueue -j` reports it, one dict per message."""
        output = self._run(POSTQUEUE, "-c", str(self.config_dir), "-j").stdout
        entries: list[dict[str, Any]] = []
        for line in output.splitlines():
            if line.strip():
                entries.append(json.loads(line))
        return entries

    def hold_queue(self) -> list[dict[str, Any]]:
        return [entry for entry in self.queue() if entry.get("queue_name") == "hold"]

    def wait_queue_empty(self, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.queue():
                return True
            time.sleep(0.1)
        return False

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def __enter__(self) -> PrivatePostfix:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.cleanup()


def hostname_label(text: str) -> str:
    """`text` as one DNS label Postfix accepts in myhostname.

    mkdtemp names may end in "_", which must not become a trailing "-".
    """
    label = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:63].rstrip("-")
    if not label:
        raise ValueError(f"no hostname label can be made from {text!r}")
    return label


def run_with_terminal(
    argv: Sequence[str], timeout: float = 60.0
) -> subprocess.CompletedProcess[str]:
    """Run argv with stdout on a pipe and stderr on a pseudo-terminal.

    `stderr` of the result is what the command (and every child that kept the
    terminal) printed there. Returns once the command has exited and its output
    is drained; daemons it started may keep the terminal open, so we do not
    wait for end-of-file after the exit.
    """
    controller, terminal = pty.openpty()
    try:
        process = subprocess.Popen(
            list(argv), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=terminal
        )
    finally:
        os.close(terminal)
    try:
        with process:
            try:
                stdout, stderr = _drain(argv, process, controller, time.monotonic() + timeout)
            except BaseException:
                process.kill()
                raise
    finally:
        os.close(controller)
    return subprocess.CompletedProcess(
        list(argv),
        process.returncode,
        stdout.decode(errors="replace"),
        stderr.decode(errors="replace").replace("\r\n", "\n"),
    )


def _drain(
    argv: Sequence[str], process: subprocess.Popen[bytes], controller: int, deadline: float
) -> tuple[bytes, bytes]:
    assert process.stdout is not None
    outputs = {process.stdout.fileno(): bytearray(), controller: bytearray()}
    with selectors.DefaultSelector() as selector:
        for fd in outputs:
            selector.register(fd, selectors.EVENT_READ)
        while selector.get_map():
            if time.monotonic() > deadline:
                raise PostfixError(
                    f"{' '.join(argv)} still running at its deadline\n"
                    f"{bytes(outputs[controller]).decode(errors='replace')}"
                )
            exited = process.poll() is not None
            ready = selector.select(timeout=0.1 if exited else 0.5)
            if exited and not ready:
                break
            for key, _ in ready:
                try:
                    chunk = os.read(key.fd, 65536)
                except OSError as error:
                    # EIO: every holder of the terminal has closed it.
                    if error.errno != errno.EIO:
                        raise
                    chunk = b""
                if chunk:
                    outputs[key.fd] += chunk
                else:
                    selector.unregister(key.fd)
    process.wait(timeout=max(0.0, deadline - time.monotonic()))
    return bytes(outputs[process.stdout.fileno()]), bytes(outputs[controller])


def _write_settled(path: Path, text: str) -> None:
    """Write a config file dated in the past.

    Postfix refuses to read a config file changed within the last second: it
    polls every 300 ms until it has settled, which adds ~2 s to every start.
    """
    path.write_text(text)
    settled = time.time() - 10
    os.utime(path, (settled, settled))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); it is gone for our purposes.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.05)
    return not _alive(pid)
