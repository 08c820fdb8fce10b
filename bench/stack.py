"""The three systems under test, side by side on 127.0.0.1, relaying to one sink.

- ``none``: Postfix with no milter;
- ``noop``: Postfix with the no-op pymilter milter (tests/e2e/noop_milter.py);
- ``rspamd``: Postfix with Debian's rspamd as a milter (its proxy worker in
  milter mode), local rules only, no Redis or DNS (bench/rspamd.py); installed
  with apt-get if missing; ``--no-rspamd`` leaves it out;
- ``aduana``: Postfix with ``aduana run`` on a copy of the shipped configuration,
  with the environment of the systemd unit (malloc settings);
- ``aduana+clamd`` (with ``--clamd``): the same, scanning every message with a
  private clamd (tests/support/clamd.py). Its database holds one signature, so
  this measures the INSTREAM transfer and clamd's parsing (MIME, archives), not
  the matching cost of the full signature set.

The copy differs from the shipped one in three places only: ports (free ones, as
in the e2e tests); notices go to the sink; and one written approval lifts the
mass-mailing limits (rate, one-to-one, recipients) for the benchmark sender,
who would otherwise hit SRE 9.g after 120 messages an hour. The rules still run
and count; only their limits are lifted, as for Comunicación Social.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.aduana_fixtures import RunningAduana, start_aduana
from tests.e2e.harness import (
    MilterFactory,
    MilterTimeouts,
    PostfixFactory,
    PrivatePostfix,
)
from tests.support.clamd import ClamdServer

from .messages import SENDER
from .rspamd import start_rspamd
from .sink import CountingSink

# The timeouts of deploy/postfix/main.cf.snippet.
DEPLOYED_TIMEOUTS = MilterTimeouts(connect="10s", command="30s", content="120s")
REPO = Path(__file__).resolve().parent.parent

BENCH_APPROVAL = f"""\
  - reference: "BENCH/0001"
    approver: "Oficial Mayor"
    organisation: sre
    accounts: [{SENDER}]
    lifts: [recipients_per_message, rate, one_to_one]
    valid_from: 2000-01-01
    valid_until: 2099-12-31
    note: "Benchmark sender (bench/stack.py)."
"""


def add_bench_approval(config_dir: Path) -> None:
    approvals = config_dir / "approvals" / "aprobaciones.yaml"
    text = approvals.read_text(encoding="utf-8")
    approvals.write_text(text.rstrip("\n") + "\n" + BENCH_APPROVAL, encoding="utf-8")


def deployed_environment() -> dict[str, str]:
    """The Environment= of deploy/systemd/aduana.service: aduana runs as deployed."""
    env: dict[str, str] = {}
    for line in (REPO / "deploy" / "systemd" / "aduana.service").read_text().splitlines():
        if line.startswith("Environment="):
            for item in line.removeprefix("Environment=").split():
                key, _, value = item.partition("=")
                env[key] = value
    return env


@dataclass(frozen=True)
class System:
    """One system under test: its Postfix and, if any, the milter's pid."""

    name: str
    postfix: PrivatePostfix
    milter_pid: int | None


@dataclass(frozen=True)
class Stack:
    sink: CountingSink
    systems: dict[str, System]
    workdir: Path
    aduana: RunningAduana

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.systems)


@contextmanager
def running_stack(keep: bool = False, clamd: bool = False, rspamd: bool = True) -> Iterator[Stack]:
    """Start sink, milters and three Postfix instances; stop and remove them after."""
    workdir = Path(tempfile.mkdtemp(prefix="aduana-bench-"))
    with ExitStack() as stack:
        if not keep:
            stack.callback(shutil.rmtree, workdir, ignore_errors=True)
        sink = stack.enter_context(CountingSink())
        milters = MilterFactory(workdir / "milters", teardown_grace=5.0)
        stack.callback(milters.cleanup)
        postfixes = PostfixFactory(sink.port)
        stack.callback(postfixes.cleanup)

        noop = milters.noop()
        notices = f"notices:\n  enabled: true\n  smtp_host: 127.0.0.1\n  smtp_port: {sink.port}\n"
        aduana = start_aduana(
            milters, workdir, notices, add_bench_approval, env=deployed_environment()
        )
        milter_of: dict[str, tuple[str | None, int | None]] = {
            "none": (None, None),
            "noop": (noop.postfix_spec, noop.pid),
        }
        if rspamd:
            other = start_rspamd(milters, workdir / "rspamd")
            milter_of["rspamd"] = (other.postfix_spec, other.pid)
        milter_of["aduana"] = (aduana.process.postfix_spec, aduana.process.pid)
        if clamd:
            server = stack.enter_context(ClamdServer(workdir / "clamd"))
            scanning = start_aduana(
                milters, workdir / "with-clamd",
                notices + f'antivirus:\n  socket: "{server.socket_spec}"\n',
                add_bench_approval, env=deployed_environment(),
            )  # fmt: skip
            milter_of["aduana+clamd"] = (scanning.process.postfix_spec, scanning.process.pid)
        systems = {
            name: System(name, postfixes(spec, timeouts=DEPLOYED_TIMEOUTS), pid)
            for name, (spec, pid) in milter_of.items()
        }
        yield Stack(sink, systems, workdir, aduana)
