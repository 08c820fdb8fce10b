"""Mass mailing caught across two gateway nodes that share one Redis."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.support.redis_server import RedisServer

from .aduana_fixtures import RunningAduana, start_aduana
from .harness import MilterFactory, PostfixFactory, RecordingSink, Stage, send, wait_until

JEFE = "analista.prueba@sre.gob.mx"
NAMES = ["Ana", "Luis", "María", "José", "Elena", "Pedro", "Sofía", "Raúl", "Lucía", "Diego"]
BODY = (
    "Estimado {name}:\n\nLe invito a participar en la rifa de fin de año organizada por el "
    "sindicato; los boletos cuestan cincuenta pesos y se venden en la oficina del tercer piso "
    "hasta el viernes. Reenvíe este mensaje a sus compañeros de área.\n\nSaludos cordiales.\n"
)


def message(number: int) -> bytes:
    name = NAMES[number % len(NAMES)]
    return (
        f"From: <{JEFE}>\nTo: <persona{number}@externo.example>\nSubject: Rifa {number}\n\n"
        + BODY.format(name=name)
    ).encode()


def redis_config(server: RedisServer) -> str:
    return f'state:\n  backend: redis\n  redis_url: "{server.url}"\n  retry_after_seconds: 1\n'


def test_one_to_one_mailing_spread_over_two_nodes_is_caught(
    postfix_factory: PostfixFactory,
    milter_factory: MilterFactory,
    sink: RecordingSink,
    redis_server: RedisServer,
    tmp_path: Path,
) -> None:
    nodes: list[RunningAduana] = [
        start_aduana(milter_factory, tmp_path / name, redis_config(redis_server))
        for name in ("nodo-a", "nodo-b")
    ]
    gateways = [postfix_factory(node.process.postfix_spec) for node in nodes]
    results = [
        send(gateways[n % 2], JEFE, [f"persona{n}@externo.example"], message(n), login=JEFE)
        for n in range(26)
    ]
    assert all(r.accepted for r in results[:25]), [r for r in results[:25] if not r.accepted]
    last = results[25]
    assert (last.stage, last.code, last.enhanced_code) == (Stage.DATA, 550, "5.7.1")
    assert "clausula SRE 9.g" in last.text
    assert "llego a 26 destinatarios" in last.text
    assert len(sink.wait_for(count=25, timeout=20)) == 25
    # Each node saw only half of the mailing; the shared counts caught it.
    assert [n.metric("aduana_transactions_total", action="accept") for n in nodes] == [13, 12]
    assert nodes[1].metric("aduana_transactions_total", action="reject") == 1


@pytest.mark.allow_log_events("state_backend_degraded")
def test_redis_stopped_mid_mailing_neither_loses_nor_wrongly_refuses_mail(
    postfix_factory: PostfixFactory,
    milter_factory: MilterFactory,
    sink: RecordingSink,
    redis_server: RedisServer,
    tmp_path: Path,
) -> None:
    node = start_aduana(milter_factory, tmp_path / "nodo", redis_config(redis_server))
    gateway = postfix_factory(node.process.postfix_spec)
    assert send(gateway, JEFE, ["persona0@externo.example"], message(0), login=JEFE).accepted

    redis_server.stop()
    during = [
        send(gateway, JEFE, [f"persona{n}@externo.example"], message(n), login=JEFE)
        for n in range(1, 4)
    ]
    assert all(r.accepted for r in during), during
    assert node.metric("aduana_state_backend_degraded") == 1
    assert node.events("state_backend_degraded")

    redis_server.start()
    time.sleep(1.2)
    assert send(gateway, JEFE, ["persona4@externo.example"], message(4), login=JEFE).accepted
    assert wait_until(lambda: node.metric("aduana_state_backend_degraded") == 0)
    assert node.events("state_backend_recovered")
    assert len(sink.wait_for(count=5, timeout=15)) == 5
    assert node.metric("aduana_internal_errors_total", stage="end_of_message") == 0
