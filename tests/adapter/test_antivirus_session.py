"""clamd's answer through the milter callbacks: reply, audit event and metrics.

The scanner is a small fake of aduana's own `VirusScanner` interface; the real
clamd is exercised in tests/unit/test_clamd_scanner.py and tests/e2e.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import IO

import pytest
import structlog
from Milter import testctx
from prometheus_client import CollectorRegistry

from aduana.gateway.runtime import Runtime
from aduana.gateway.send_counts import SendCounter
from aduana.gateway.session import SessionServices, install_session_factory
from aduana.inspect import MessageInspection, UninspectablePart
from aduana.observability.audit import record_decision
from aduana.observability.metrics import Metrics
from aduana.policy.facts import Envelope, MessageContent, ScanResult, TransactionFacts, VirusScan
from aduana.policy.verdict import Action, Verdict
from aduana.state import MemoryCounterStore
from tests.adapter.conftest import NOW, Replay
from tests.support.transactions import INTERNET_CLIENT

OUTSIDER = "proveedor@example.org"
JEFE = "analista.prueba@sre.gob.mx"
MESSAGE = (
    b"From: proveedor@example.org\r\nTo: analista.prueba@sre.gob.mx\r\n"
    b"Subject: Factura\r\n\r\nAdjunto la factura.\r\n"
)


class FixedScanner:
    """Answers every message with the same scan, and remembers what it was sent."""

    def __init__(self, scan: VirusScan) -> None:
        self.answer = scan
        self.seen: list[bytes] = []

    def scan(self, message: IO[bytes]) -> VirusScan:
        message.seek(0)
        self.seen.append(message.read())
        return self.answer


@pytest.fixture
def scanner() -> FixedScanner:
    return FixedScanner(VirusScan(ScanResult.CLEAN))


@pytest.fixture
def av_replay(shipped_runtime: Runtime, scanner: FixedScanner) -> Iterator[Replay]:
    runtime = replace(shipped_runtime, scanner=scanner)
    metrics = Metrics.create(CollectorRegistry())
    with structlog.testing.capture_logs() as logs:
        services = SessionServices(
            runtime=lambda: runtime,
            metrics=metrics,
            logger=structlog.get_logger("aduana"),
            clock=iter(range(1_000_000)).__next__,
            wall_clock=lambda: NOW,
            send_counts=SendCounter(MemoryCounterStore(), metrics),
        )
        install_session_factory(services)
        ctx = testctx.TestCtx()
        # Mail from outside, as an MX receives it.
        ctx._connect(host="relay.example.org", helo="relay.example.org", ip=INTERNET_CLIENT)
        yield Replay(ctx, metrics, logs)
        ctx._close()


def test_clean_message_is_scanned_whole_and_delivered(
    av_replay: Replay, scanner: FixedScanner
) -> None:
    assert av_replay.send(OUTSIDER, (JEFE,), MESSAGE) == 0  # CONTINUE
    assert b"Adjunto la factura." in scanner.seen[0]
    assert b"Subject: Factura" in scanner.seen[0]
    assert av_replay.metric("aduana_antivirus_scans_total", result="clean") == 1
    assert av_replay.events("transaction")[0]["antivirus"] == "clean"


def test_virus_is_refused_and_only_the_audit_event_names_the_signature(
    av_replay: Replay, scanner: FixedScanner
) -> None:
    scanner.answer = VirusScan(ScanResult.INFECTED, "Win.Test.Sample")
    av_replay.send(OUTSIDER, (JEFE,), MESSAGE)
    assert av_replay.reply is not None
    code, status, *text = av_replay.reply
    assert (code, status) == ("554", "5.7.1")
    assert "clausula SRE 9.e" in " ".join(text)
    assert "Win.Test.Sample" not in " ".join(text)
    event = av_replay.events("transaction")[0]
    assert event["virus"] == "Win.Test.Sample"
    assert event["reasons"][0]["rule"] == "antivirus.virus"
    assert av_replay.metric("aduana_antivirus_scans_total", result="infected") == 1


@pytest.mark.allow_log_events("antivirus_unavailable")
def test_clamd_down_tempfails_and_is_counted(av_replay: Replay, scanner: FixedScanner) -> None:
    scanner.answer = VirusScan(ScanResult.UNAVAILABLE, error="ConnectionRefusedError")
    av_replay.send(OUTSIDER, (JEFE,), MESSAGE)
    assert av_replay.reply is not None
    assert av_replay.reply[:2] == ("451", "4.7.1")
    assert av_replay.metric("aduana_backend_tempfails_total", backend="clamd") == 1
    assert av_replay.metric("aduana_antivirus_scans_total", result="unavailable") == 1
    assert av_replay.events("antivirus_unavailable")[0]["error"] == "ConnectionRefusedError"


def test_an_uninspectable_part_is_logged_with_its_exception_type_and_counted() -> None:
    metrics = Metrics.create(CollectorRegistry())
    part = UninspectablePart("2", "informe.pdf", "pypdf.errors.DependencyError")
    inspection = MessageInspection((), (), (), (), False, 100, failed_reads=(part,))
    content = MessageContent(size=100, queue_id="4ABC", inspection=inspection)
    facts = TransactionFacts(Envelope(OUTSIDER, recipients=(JEFE,)), content=content)
    with structlog.testing.capture_logs() as logs:
        record_decision(structlog.get_logger("aduana"), metrics, facts, Verdict(Action.REJECT), 0)
    event = next(e for e in logs if e["event"] == "part_uninspectable")
    assert (event["part"], event["error"], event["log_level"]) == (
        "2",
        "pypdf.errors.DependencyError",
        "warning",
    )
    sample = metrics.registry.get_sample_value(
        "aduana_parts_uninspectable_total", {"error": "pypdf.errors.DependencyError"}
    )
    assert sample == 1
