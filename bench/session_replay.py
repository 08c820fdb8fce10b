"""The whole milter session in process: what the daemon does per message besides the engine.

``engine_micro.replay`` times the engine's stages; the daemon also runs the milter
callbacks (``gateway/session.py``): the transaction builder fed header by header and
body chunk by chunk, the audit line, the metrics, the ledger's records (approval
uses, last sends), and the header changes. Here pymilter's own test context
(``Milter.testctx.TestCtx``) plays libmilter's part, calling the session's callbacks
in libmilter's order, on a private copy of the shipped configuration (ledger in a
temporary directory, audit lines to a pipe). What it leaves out is libmilter and
pymilter's C glue: the no-op milter's CPU in ``bench.run`` is that part.

Used by ``bench.instructions --path session``.
"""

from __future__ import annotations

import shutil
import socket
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import Milter
import structlog
from Milter.testctx import TestCtx
from prometheus_client import CollectorRegistry

from aduana.commands.explain import Submission
from aduana.gateway.runtime import build_runtime
from aduana.gateway.sanctions import Sanctions
from aduana.gateway.send_counts import SendCounter
from aduana.gateway.session import SessionServices, install_session_factory
from aduana.observability.logging import configure_logging
from aduana.observability.metrics import Metrics
from aduana.state import MemoryCounterStore

from .engine_micro import SHIPPED_CONFIG

_BODY_CHUNK = 65535  # what libmilter hands over at most per body callback


@contextmanager
def session_services() -> Iterator[SessionServices]:
    """The daemon's services, as `aduana.app.run` builds them, on a private config."""
    with tempfile.TemporaryDirectory(prefix="aduana-session-") as work:
        config_dir = Path(work) / "config"
        shutil.copytree(SHIPPED_CONFIG.parent, config_dir)
        config = config_dir / "aduana.yaml"
        text = config.read_text(encoding="utf-8")
        text = text.replace("/var/lib/aduana/ledger.sqlite", f"{work}/ledger.sqlite")
        config.write_text(text, encoding="utf-8")
        runtime = build_runtime(config)
        configure_logging(runtime.settings.daemon.logging.level)
        metrics = Metrics.create(CollectorRegistry())
        logger = structlog.get_logger("aduana")
        sanctions = (
            Sanctions.open(runtime.settings, metrics, logger)
            if runtime.settings.daemon.ledger.enabled
            else None
        )
        yield SessionServices(
            runtime=lambda: runtime,
            metrics=metrics,
            logger=logger,
            clock=time.monotonic,
            wall_clock=time.time,
            send_counts=SendCounter(MemoryCounterStore(), metrics),
            sanctions=sanctions,
        )


def feed(services: SessionServices, submission: Submission, number: int) -> int:
    """One message through a fresh session, callback by callback; the milter result.

    The callbacks are called directly: `TestCtx`'s own drivers close the connection
    on a no-reply answer (7), which libmilter treats as "go on"."""
    install_session_factory(services)
    ctx = TestCtx()
    if submission.login:
        ctx._setsymval("{auth_authen}", submission.login)
    ctx._setsymval("i", f"Q{number:08X}")
    ctx._negotiate()
    session = ctx._priv
    ctx._stage = Milter.M_CONNECT
    result = Milter.connect_callback(ctx, "cliente", socket.AF_INET, ("127.0.0.1", 25))
    ctx._stage = Milter.M_ENVFROM
    if result in _GO_ON:
        result = session.envfrom(f"<{submission.sender}>")
    ctx._stage = Milter.M_ENVRCPT
    for recipient in submission.recipients:
        if result in _GO_ON:
            result = session.envrcpt(f"<{recipient}>")
    if result in _GO_ON:
        ctx._stage = -1  # no macros asked for between RCPT and end of message
        head, _, body = submission.message.replace(b"\r\n", b"\n").partition(b"\n\n")
        for line in _unfolded(head.decode("utf-8", "surrogateescape")):
            name, _, value = line.partition(":")
            session.header_bytes(name, value.strip().encode("utf-8", "surrogateescape"))
        for start in range(0, len(body), _BODY_CHUNK):
            session.body(body[start : start + _BODY_CHUNK].replace(b"\n", b"\r\n"))
        ctx._stage = Milter.M_EOM
        result = session.eom()
    Milter.close_callback(ctx)
    return int(result)


_GO_ON = (Milter.CONTINUE, Milter.NOREPLY)


def _unfolded(head: str) -> list[str]:
    lines: list[str] = []
    for line in head.split("\n"):
        if line[:1] in (" ", "\t") and lines:
            lines[-1] += "\r\n" + line
        elif line:
            lines.append(line)
    return lines
