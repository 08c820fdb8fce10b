"""The three systems under test, side by side on 127.0.0.1, relaying to one sink.

- ``none``: Postfix with no milter;
- ``noop``: Postfix with the no-op pymilter milter (tests/e2e/noop_milter.py);
- ``aduana``: Postfix with ``aduana run`` on a copy of the shipped configuration;
- ``pooled`` (optional): the same, through bench/pooled_aduana.py, the prototype
  that inspects in a process pool.

The copy differs from the shipped one in three places only: ports (free ones, as
in the e2e tests); notices go to the sink; and one written approval lifts the
mass-mailing limits (rate, one-to-one, recipients) for the benchmark sender,
who would otherwise hit SRE 9.g after 120 messages an hour. The rules still run
and count; only their limits are lifted, as for Comunicación Social.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.aduana_fixtures import RunningAduana, start_aduana
from tests.e2e.harness import (
    MilterFactory,
    MilterProcess,
    MilterTimeouts,
    PostfixFactory,
    PrivatePostfix,
)

from .messages import SENDER
from .procstat import process_tree
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


class PooledMilterFactory(MilterFactory):
    """Starts ``python -m bench.pooled_aduana`` wherever ``python -m aduana`` is asked for."""

    def __call__(
        self,
        argv: Sequence[str],
        socket_spec: str,
        *,
        metrics_url: str | None = None,
        env: Mapping[str, str] | None = None,
        start_timeout: float = 15.0,
    ) -> MilterProcess:
        argv = [("bench.pooled_aduana" if arg == "aduana" else arg) for arg in argv]
        env = {**(env or {}), "PYTHONPATH": str(REPO)}
        return super().__call__(
            argv, socket_spec, metrics_url=metrics_url, env=env, start_timeout=start_timeout
        )


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


def kill_leftovers(pids: Sequence[int]) -> None:
    """SIGKILL those of ``pids`` that outlived their parent."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@contextmanager
def running_stack(keep: bool = False, pooled: bool = False) -> Iterator[Stack]:
    """Start sink, milters and three (or four) Postfix instances; stop and remove them after."""
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
        aduana = start_aduana(milters, workdir, extra_config=notices, edit=add_bench_approval)
        milter_of = {
            "none": (None, None),
            "noop": (noop.postfix_spec, noop.pid),
            "aduana": (aduana.process.postfix_spec, aduana.process.pid),
        }
        if pooled:
            pool_milters = PooledMilterFactory(workdir / "pooled-milters", teardown_grace=5.0)
            # Reap the pool's forkserver and workers even when the daemon had to be killed.
            leftovers: list[int] = []
            stack.callback(kill_leftovers, leftovers)
            stack.callback(pool_milters.cleanup)
            pool_dir = workdir / "pooled"
            pool_dir.mkdir()
            proto = start_aduana(pool_milters, pool_dir, notices, add_bench_approval)
            leftovers.extend(process_tree(proto.process.pid or 0)[1:])
            milter_of["pooled"] = (proto.process.postfix_spec, proto.process.pid)
        systems = {
            name: System(name, postfixes(spec, timeouts=DEPLOYED_TIMEOUTS), pid)
            for name, (spec, pid) in milter_of.items()
        }
        yield Stack(sink, systems, workdir, aduana)
