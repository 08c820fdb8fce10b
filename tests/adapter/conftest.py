"""Replaying messages through the real pymilter callbacks with Milter.testctx."""

from __future__ import annotations

import io
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass
from typing import Any

import Milter.test  # noqa: F401  (makes @noreply callbacks answer CONTINUE, as TestCtx expects)
import pytest
import structlog
from Milter.testctx import TestCtx
from prometheus_client import CollectorRegistry

from aduana.gateway.runtime import Runtime
from aduana.gateway.send_counts import SendCounter
from aduana.gateway.session import SessionServices, install_session_factory
from aduana.observability.metrics import Metrics
from aduana.state import MemoryCounterStore

NOW = 1_795_000_000.0


@dataclass
class Replay:
    """One milter connection driven by pymilter's test context."""

    ctx: Any
    metrics: Metrics
    logs: list[MutableMapping[str, Any]]

    def send(
        self,
        sender: str,
        recipients: tuple[str, ...],
        message: bytes,
        *,
        login: str | None = None,
        queue_id: str = "4ABCDE1234",
    ) -> int:
        self.ctx._setsymval("{auth_authen}", login)
        self.ctx._setsymval("i", queue_id)
        return int(self.ctx._feedFile(io.BytesIO(message), sender, *recipients))

    def mail_from(self, sender: str, *params: str, login: str | None = None) -> int:
        self.ctx._setsymval("{auth_authen}", login)
        return int(self.ctx._envfrom(f"<{sender}>", *params))

    @property
    def reply(self) -> tuple[str, ...] | None:
        reply: tuple[str, ...] | None = self.ctx._reply
        return reply

    def metric(self, name: str, **labels: str) -> float:
        return self.metrics.registry.get_sample_value(name, labels) or 0.0

    def events(self, name: str) -> list[MutableMapping[str, Any]]:
        return [entry for entry in self.logs if entry["event"] == name]


@pytest.fixture
def replay(shipped_runtime: Runtime) -> Iterator[Replay]:
    metrics = Metrics.create(CollectorRegistry())
    with structlog.testing.capture_logs() as logs:
        services = SessionServices(
            runtime=lambda: shipped_runtime,
            metrics=metrics,
            logger=structlog.get_logger("aduana"),
            clock=iter(range(1_000_000)).__next__,
            wall_clock=lambda: NOW,
            send_counts=SendCounter(MemoryCounterStore(), metrics),
        )
        install_session_factory(services)
        ctx = TestCtx()
        ctx._connect(host="relay.example.org", helo="relay.example.org", ip="127.0.0.1")
        yield Replay(ctx, metrics, logs)
        ctx._close()
