"""Activity and sanctions: repeated grave violations suspend sending until an admin lifts it."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from aduana.cli import main
from tests.support.redis_server import RedisServer, redis_server_available
from tests.support.required_servers import require_server

from .aduana_fixtures import start_aduana
from .harness import MilterFactory, PostfixFactory, RecordingSink, Stage, send

JEFE = "analista.prueba@sre.gob.mx"
DIRECTOR = "director.prueba@sre.gob.mx"
OUTSIDE = "destino@externo.example"
SUSPENSION_REFRESH_SECONDS = 2.0  # the daemon re-reads suspensions lifted by another process


def message(sender: str, subject: str) -> bytes:
    return f"From: <{sender}>\nTo: <{OUTSIDE}>\nSubject: {subject}\n\nTexto.\n".encode()


@pytest.mark.allow_log_events("sending_suspended")
def test_five_impersonation_attempts_suspend_sending_until_lifted(
    postfix_factory: PostfixFactory,
    milter_factory: MilterFactory,
    sink: RecordingSink,
    tmp_path: Path,
) -> None:
    aduana = start_aduana(milter_factory, tmp_path)
    gateway = postfix_factory(aduana.process.postfix_spec)
    config = str(aduana.config_file)
    assert send(gateway, JEFE, [OUTSIDE], message(JEFE, "propio"), login=JEFE).accepted

    for attempt in range(5):
        refused = send(
            gateway, DIRECTOR, [OUTSIDE], message(DIRECTOR, f"ajeno {attempt}"), login=JEFE
        )
        assert (refused.stage, refused.code) == (Stage.MAIL, 553)

    suspended = send(gateway, JEFE, [OUTSIDE], message(JEFE, "propio 2"), login=JEFE)
    assert (suspended.stage, suspended.code, suspended.enhanced_code) == (Stage.MAIL, 550, "5.7.1")
    assert "suspendido por violaciones reiteradas" in suspended.text
    assert "clausula SRE 18" in suspended.text
    assert aduana.metric("aduana_sending_suspensions_total") == 1
    [event] = aduana.events("sending_suspended")
    assert event["address"] == JEFE

    assert (
        main(["accounts", "unsuspend", JEFE, "--by", "mesa de servicios", "--config", config]) == 0
    )
    time.sleep(SUSPENSION_REFRESH_SECONDS + 0.5)
    assert send(gateway, JEFE, [OUTSIDE], message(JEFE, "propio 3"), login=JEFE).accepted
    assert len(sink.wait_for(count=2, timeout=10)) == 2


def test_authenticated_send_takes_the_account_off_the_inactive_report(
    postfix_factory: PostfixFactory,
    milter_factory: MilterFactory,
    sink: RecordingSink,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    aduana = start_aduana(milter_factory, tmp_path)
    gateway = postfix_factory(aduana.process.postfix_spec)
    assert send(gateway, DIRECTOR, [OUTSIDE], message(DIRECTOR, "activo"), login=DIRECTOR).accepted
    capsys.readouterr()
    assert main(["report", "inactive", "--config", str(aduana.config_file)]) == 0
    report = capsys.readouterr().out
    assert JEFE in report
    assert DIRECTOR not in report


def test_activity_in_redis_is_shared_by_every_node(
    postfix_factory: PostfixFactory,
    milter_factory: MilterFactory,
    sink: RecordingSink,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    require_server(
        "redis-server",
        redis_server_available(),
        "Debian package 'redis-server' (make system installs it)",
    )
    with RedisServer(tmp_path / "redis") as redis:
        shared = (
            f'state:\n  backend: redis\n  redis_url: "{redis.url}"\n'
            f"ledger:\n  path: {tmp_path / 'var-a' / 'ledger.sqlite'}\n  activity_backend: redis\n"
        )
        node_a = start_aduana(milter_factory, tmp_path / "a", shared)
        gateway = postfix_factory(node_a.process.postfix_spec)
        assert send(gateway, DIRECTOR, [OUTSIDE], message(DIRECTOR, "uno"), login=DIRECTOR).accepted
        # Another node, with its own SQLite file, reads the same activity from Redis.
        other = shared.replace("var-a", "var-b")
        node_b = start_aduana(milter_factory, tmp_path / "b", other)
        capsys.readouterr()
        assert main(["report", "inactive", "--config", str(node_b.config_file)]) == 0
        report = capsys.readouterr().out
    assert JEFE in report
    assert DIRECTOR not in report
