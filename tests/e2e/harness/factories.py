"""Factories behind the e2e fixtures; each one reaps everything it started."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from .milter_process import MilterProcess
from .ports import LOOPBACK, free_port
from .postfix import DEFAULT_MILTER_TIMEOUTS, MilterTimeouts, PrivatePostfix

NOOP_MILTER = Path(__file__).resolve().parent.parent / "noop_milter.py"


class PostfixFactory:
    """`postfix_factory(milter=None, *, timeouts=..., extra_main_cf=None)` -> started instance."""

    def __init__(self, sink_port: int) -> None:
        self.sink_port = sink_port
        self.instances: list[PrivatePostfix] = []

    def __call__(
        self,
        milter: str | None = None,
        *,
        timeouts: MilterTimeouts = DEFAULT_MILTER_TIMEOUTS,
        extra_main_cf: Mapping[str, str] | None = None,
    ) -> PrivatePostfix:
        instance = PrivatePostfix(
            self.sink_port, milter=milter, timeouts=timeouts, extra_main_cf=extra_main_cf
        )
        self.instances.append(instance)
        instance.start()
        return instance

    def cleanup(self) -> None:
        errors: list[BaseException] = []
        for instance in reversed(self.instances):
            try:
                instance.cleanup()
            except (OSError, RuntimeError) as error:
                errors.append(error)
        self.instances.clear()
        if errors:
            raise errors[0]


class MilterFactory:
    """`milter_factory(argv, socket_spec, *, metrics_url=None, env=None)` -> started process."""

    def __init__(self, log_dir: Path, teardown_grace: float = 0.5) -> None:
        self.log_dir = log_dir
        # libmilter needs ~4 s to notice SIGTERM (its listener poll timeout), so
        # teardown escalates to SIGKILL soon; tests that check a clean exit call
        # terminate() themselves.
        self.teardown_grace = teardown_grace
        self.processes: list[MilterProcess] = []

    def __call__(
        self,
        argv: Sequence[str],
        socket_spec: str,
        *,
        metrics_url: str | None = None,
        env: Mapping[str, str] | None = None,
        start_timeout: float = 15.0,
    ) -> MilterProcess:
        log_path = self.log_dir / f"milter-{len(self.processes)}.log"
        process = MilterProcess(
            argv, socket_spec, log_path=log_path, metrics_url=metrics_url, env=env
        )
        self.processes.append(process)
        process.start(start_timeout)
        return process

    def noop(self, record: Path | None = None) -> MilterProcess:
        """The no-op milter on a free port; `record` collects the macros it saw."""
        spec = f"inet:{free_port()}@{LOOPBACK}"
        env = {"NOOP_MILTER_RECORD": str(record)} if record is not None else None
        return self([sys.executable, str(NOOP_MILTER), spec], spec, env=env)

    def cleanup(self) -> None:
        for process in reversed(self.processes):
            process.terminate(timeout=self.teardown_grace)
        self.processes.clear()
