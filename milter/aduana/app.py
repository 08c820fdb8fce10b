"""The composition root: build the runtime, serve the milter and /metrics, reload on SIGHUP."""

from __future__ import annotations

import gc
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import Milter
import structlog
from prometheus_client import CollectorRegistry, start_http_server
from structlog.typing import FilteringBoundLogger

from aduana.config.errors import ConfigError
from aduana.config.quarantine import QuarantineSettings
from aduana.config.schema import InspectionSettings
from aduana.gateway.inspection_pool import InlineInspector, Inspector, PooledInspector
from aduana.gateway.notices import Notifier, spool_dir
from aduana.gateway.runtime import Runtime, RuntimeHolder, build_runtime
from aduana.gateway.sanctions import Sanctions
from aduana.gateway.send_counts import SendCounter
from aduana.gateway.session import SessionServices, install_session_factory
from aduana.observability import systemd
from aduana.observability.logging import configure_logging
from aduana.observability.metrics import Metrics
from aduana.quarantine.backlog import BacklogMonitor
from aduana.quarantine.hold_queue import PostfixHoldQueue
from aduana.state import StoreState, StoreStateChange
from aduana.state.build import build_counter_store

_POLL_SECONDS = 0.5


@dataclass
class Daemon:
    """A running aduana: the runtime in force, its metrics and its signals."""

    config_file: Path
    holder: RuntimeHolder
    metrics: Metrics
    logger: FilteringBoundLogger
    stop_requested: threading.Event = field(default_factory=threading.Event)
    reload_requested: threading.Event = field(default_factory=threading.Event)
    milter_error: list[BaseException] = field(default_factory=list)

    def reload(self) -> bool:
        """Build a whole new runtime; on any problem keep the old one and say why."""
        now = time.time()
        try:
            runtime = build_runtime(
                self.config_file, on_directory_state=_directory_reporter(self.metrics, self.logger)
            )
        except ConfigError as error:
            self.metrics.config_reloads.labels(result="failure").inc()
            self.metrics.config_last_reload.labels(result="failure").set(now)
            self.logger.error("config_reload_failed", problems=[str(p) for p in error.problems])
            return False
        old = self.holder.current
        _warn_about_restart_only_changes(self.logger, old, runtime)
        self.holder.swap(runtime)
        old.close()
        # The new directory has seen no outage yet; it reports one when it meets one.
        self.metrics.directory_degraded.set(0)
        self.metrics.config_reloads.labels(result="success").inc()
        self.metrics.config_last_reload.labels(result="success").set(now)
        self.logger.info("config_reloaded", **_summary(runtime))
        return True

    def serve_milter(self) -> None:
        milter_settings = self.holder.current.settings.daemon.milter
        try:
            Milter.runmilter(
                milter_settings.name, milter_settings.socket, milter_settings.timeout_seconds
            )
        except Milter.milter.error as error:
            self.milter_error.append(error)
        finally:
            self.stop_requested.set()


def _summary(runtime: Runtime) -> dict[str, Any]:
    settings = runtime.settings
    return {
        "config": str(settings.config_file),
        "organisations": [o.id for o in settings.organisations],
        "monitor_only": settings.daemon.monitor_only,
    }


def _warn_about_restart_only_changes(
    logger: FilteringBoundLogger, old: Runtime, new: Runtime
) -> None:
    before, after = old.settings.daemon, new.settings.daemon
    for name in ("milter", "metrics", "logging", "state", "ledger", "notices", "quarantine"):
        if getattr(before, name) != getattr(after, name):
            logger.warning("config_change_needs_restart", section=name)


def _state_reporter(
    metrics: Metrics, logger: FilteringBoundLogger
) -> Callable[[StoreStateChange], None]:
    def report(change: StoreStateChange) -> None:
        degraded = change.state is StoreState.DEGRADED
        metrics.state_degraded.set(1 if degraded else 0)
        if degraded:
            logger.warning("state_backend_degraded", reason=change.reason)
        else:
            logger.info("state_backend_recovered")

    return report


def _directory_reporter(
    metrics: Metrics, logger: FilteringBoundLogger
) -> Callable[[bool, str], None]:
    def report(healthy: bool, reason: str) -> None:
        metrics.directory_degraded.set(0 if healthy else 1)
        if healthy:
            logger.info("directory_recovered")
        else:
            logger.warning("directory_degraded", reason=reason)

    return report


def _inspector(settings: InspectionSettings) -> Inspector:
    # auto: one worker per core but one, which the daemon's own thread keeps busy
    # (protocol, small messages, the rules). A worker per core measured the same
    # throughput on 2 cores and ~55 MB more memory (docs/performance.md).
    cores = os.cpu_count() or 1
    workers = (cores - 1 if cores > 1 else 0) if settings.workers == "auto" else settings.workers
    if workers == 0:
        return InlineInspector()
    return PooledInspector(workers, int(settings.pool_min_size), settings.worker_max_messages)


def _backlog_monitor(
    settings: QuarantineSettings,
    sanctions: Sanctions | None,
    metrics: Metrics,
    logger: FilteringBoundLogger,
) -> BacklogMonitor | None:
    """Reads the hold queue for the backlog gauges, unless backlog_refresh_seconds is 0."""
    if settings.backlog_refresh_seconds == 0:
        return None
    review = sanctions.review if sanctions is not None else None
    monitor = BacklogMonitor(PostfixHoldQueue(settings), review, metrics, logger)
    monitor.start(settings.backlog_refresh_seconds)
    return monitor


def run(config_file: Path) -> int:
    """Run the daemon until SIGTERM or SIGINT; returns the process exit status."""
    metrics = Metrics.create(CollectorRegistry())
    logger = structlog.get_logger("aduana")
    runtime = build_runtime(config_file, on_directory_state=_directory_reporter(metrics, logger))
    settings = runtime.settings.daemon
    configure_logging(settings.logging.level)
    daemon = Daemon(config_file, RuntimeHolder(runtime), metrics, logger)
    store = build_counter_store(runtime.settings, _state_reporter(metrics, logger))
    sanctions = (
        Sanctions.open(runtime.settings, metrics, logger) if settings.ledger.enabled else None
    )
    notifier = Notifier(settings.notices, spool_dir(runtime.settings), metrics, logger)
    backlog = _backlog_monitor(settings.quarantine, sanctions, metrics, logger)
    # Started before libmilter's threads exist (see inspection_pool).
    inspector = _inspector(settings.inspection)
    install_session_factory(
        SessionServices(
            runtime=lambda: daemon.holder.current,
            metrics=metrics,
            logger=logger,
            clock=time.monotonic,
            wall_clock=time.time,
            send_counts=SendCounter(store, metrics),
            sanctions=sanctions,
            notifier=notifier,
            inspector=inspector,
        )
    )
    if settings.metrics.enabled:
        start_http_server(settings.metrics.port, settings.metrics.host, registry=metrics.registry)

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        if signum == signal.SIGHUP:
            daemon.reload_requested.set()
        else:
            daemon.stop_requested.set()

    for signum in (signal.SIGHUP, signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, on_signal)
    # What is built by now (settings, lexicons, compiled patterns, libraries) lives as
    # long as the process: frozen, the cyclic collector stops walking it at every full
    # collection (~9% of the instructions per 4 KB message, docs/performance.md).
    # Frozen objects are freed by reference counting only: after a reload, cycles in
    # the first runtime stay in memory (one runtime's worth at most; later ones are
    # not frozen).
    gc.freeze()
    # libmilter blocks these signals in the threads it starts and waits for them in
    # its own thread; running it off the main thread leaves them to Python's handlers.
    milter_thread = threading.Thread(target=daemon.serve_milter, name="milter", daemon=True)
    milter_thread.start()
    logger.info(
        "started",
        socket=settings.milter.socket,
        metrics=settings.metrics.listen if settings.metrics.enabled else None,
        **_summary(runtime),
    )
    systemd.ready()
    while not daemon.stop_requested.wait(_POLL_SECONDS):
        if daemon.reload_requested.is_set():
            daemon.reload_requested.clear()
            systemd.reloading()
            reloaded = daemon.reload()
            systemd.ready(
                "configuration reloaded"
                if reloaded
                else "reload failed; previous configuration in force"
            )
    systemd.stopping()
    Milter.milter.stop()
    milter_thread.join(timeout=10)
    if daemon.milter_error:
        logger.error("milter_failed", error=str(daemon.milter_error[0]))
        return 1
    notifier.close()
    if backlog is not None:
        backlog.stop()
    if isinstance(inspector, PooledInspector):
        inspector.close()
    if sanctions is not None:
        sanctions.close()
    daemon.holder.current.close()
    logger.info("stopped")
    return 0
