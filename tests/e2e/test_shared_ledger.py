"""Many nodes, one ledger: two aduana daemons share violations, suspensions and the
review desk's records in PostgreSQL.

Each daemon has its own Postfix, as two gateway nodes would; the database is a
real PostgreSQL from Debian started for the test on 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.postgres_server import PostgresServer, require_postgresql

from .aduana_fixtures import RunningAduana, start_aduana
from .harness import MilterFactory, PostfixFactory, PrivatePostfix, RecordingSink, send, wait_until
from .harness.smtp_client import SendResult, Stage
from .test_quarantine import OUTSIDER, REVIEWER, desk, hold

JEFE = "analista.prueba@sre.gob.mx"
DIRECTOR = "director.prueba@sre.gob.mx"
OUTSIDE = "destino@externo.example"
PASSWORD_FILE = "ledger-db.password"


def message(sender: str, subject: str) -> bytes:
    return f"From: <{sender}>\nTo: <{OUTSIDE}>\nSubject: {subject}\n\nTexto.\n".encode()


@pytest.fixture
def database() -> Iterator[PostgresServer]:
    with PostgresServer(require_postgresql()) as server:
        yield server


def shared_ledger(database: PostgresServer, refresh: float = 2.0) -> Callable[[Path], None]:
    """Points a copied configuration at the shared database, password in a file."""

    def edit(config_dir: Path) -> None:
        (config_dir / PASSWORD_FILE).write_text(database.password + "\n", encoding="utf-8")
        config = config_dir / "aduana.yaml"
        text = config.read_text(encoding="utf-8")
        block = (
            "  backend: postgresql\n  postgresql:\n"
            f'    dsn: "{database.dsn}"\n    password_file: {PASSWORD_FILE}\n'
            f"  suspension_refresh_seconds: {refresh}\n"
        )
        assert "  backend: sqlite\n" in text
        config.write_text(text.replace("  backend: sqlite\n", block, 1), encoding="utf-8")

    return edit


def node(
    milter_factory: MilterFactory,
    postfix_factory: PostfixFactory,
    database: PostgresServer,
    workdir: Path,
    refresh: float = 2.0,
) -> tuple[RunningAduana, PrivatePostfix]:
    aduana = start_aduana(milter_factory, workdir, edit=shared_ledger(database, refresh))
    return aduana, postfix_factory(aduana.process.postfix_spec)


def own_mail(gateway: PrivatePostfix, sender: str) -> SendResult:
    return send(gateway, sender, [OUTSIDE], message(sender, "prueba"), login=sender)


@pytest.mark.allow_log_events("sending_suspended")
def test_a_suspension_decided_on_one_node_is_enforced_by_the_other(
    postfix_factory: PostfixFactory,
    milter_factory: MilterFactory,
    sink: RecordingSink,
    database: PostgresServer,
    tmp_path: Path,
) -> None:
    node_a, gateway_a = node(milter_factory, postfix_factory, database, tmp_path / "a")
    node_b, gateway_b = node(milter_factory, postfix_factory, database, tmp_path / "b")
    assert own_mail(gateway_b, JEFE).accepted

    # Node A sees the five impersonation attempts and escalates.
    for attempt in range(5):
        refused = send(
            gateway_a, DIRECTOR, [OUTSIDE], message(DIRECTOR, f"ajeno {attempt}"), login=JEFE
        )
        assert (refused.stage, refused.code) == (Stage.MAIL, 553)
    assert node_a.metric("aduana_sending_suspensions_total") == 1

    # Node B never saw a violation; it re-reads suspensions every 2 s.
    results: list[SendResult] = []

    def refused_on_b() -> bool:
        results.append(own_mail(gateway_b, JEFE))
        return not results[-1].accepted

    assert wait_until(refused_on_b, timeout=10, every=0.5), results
    refused = results[-1]
    assert (refused.stage, refused.code, refused.enhanced_code) == (Stage.MAIL, 550, "5.7.1")
    assert "suspendido por violaciones reiteradas" in refused.text
    assert "clausula SRE 18" in refused.text
    assert node_b.metric("aduana_sending_suspensions_total") == 0


@pytest.mark.allow_log_events("ledger_unavailable")
def test_without_its_database_the_daemon_starts_tempfails_suspension_checks_and_recovers(
    postfix_factory: PostfixFactory,
    milter_factory: MilterFactory,
    sink: RecordingSink,
    database: PostgresServer,
    tmp_path: Path,
) -> None:
    database.stop()
    aduana, gateway = node(milter_factory, postfix_factory, database, tmp_path)

    # Whether the account is suspended cannot be answered: 4xx, the sender's MTA retries.
    unknown = own_mail(gateway, JEFE)
    assert (unknown.stage, unknown.code, unknown.enhanced_code) == (Stage.MAIL, 451, "4.7.1")
    assert aduana.metric("aduana_backend_tempfails_total", backend="ledger") == 1
    [event] = aduana.events("ledger_unavailable")
    assert event["stage"] == "mail_from"
    assert "Connection refused" in str(event["error"])
    assert aduana.process.alive

    database.start()
    assert wait_until(lambda: own_mail(gateway, JEFE).accepted, timeout=10, every=0.5)


@pytest.mark.allow_log_events("ledger_unavailable")
def test_a_refusal_stands_when_its_violation_cannot_be_written(
    postfix_factory: PostfixFactory,
    milter_factory: MilterFactory,
    sink: RecordingSink,
    database: PostgresServer,
    tmp_path: Path,
) -> None:
    # Suspensions read a minute ago are still answered from memory.
    aduana, gateway = node(milter_factory, postfix_factory, database, tmp_path, refresh=60)
    assert own_mail(gateway, JEFE).accepted
    database.stop()

    forged = send(gateway, DIRECTOR, [OUTSIDE], message(DIRECTOR, "ajeno"), login=JEFE)

    assert (forged.stage, forged.code, forged.enhanced_code) == (Stage.MAIL, 553, "5.7.1")
    assert "clausula SRE 17" in forged.text
    assert aduana.metric("aduana_ledger_write_failures_total", record="violation") == 1
    [event] = aduana.events("ledger_unavailable")
    assert event["record"] == "violation"
    assert aduana.process.alive


def test_a_review_on_one_node_is_counted_by_the_other_from_the_shared_database(
    database: PostgresServer,
    postfix_factory: PostfixFactory,
    milter_factory: MilterFactory,
    sink: RecordingSink,
    tmp_path: Path,
) -> None:
    """The review desk's records (holds, reviews) are in PostgreSQL, not in each node.

    ``database`` comes first: it stops after the daemons, whose backlog refresh would
    otherwise log the database going away."""
    nodes: list[tuple[RunningAduana, PrivatePostfix]] = []
    for name in ("a", "b"):
        gateway = postfix_factory()
        extra = (
            f"notices:\n  smtp_host: 127.0.0.1\n  smtp_port: {gateway.port}\n"
            f"quarantine:\n  postfix_config_dir: {gateway.config_dir}\n"
            "  backlog_refresh_seconds: 1\n"
        )
        aduana = start_aduana(milter_factory, tmp_path / name, extra, shared_ledger(database))
        gateway.set_milter(aduana.process.postfix_spec)
        nodes.append((aduana, gateway))
    (node_a, gateway_a), (node_b, _) = nodes
    queue_id = hold(gateway_a, "Informe")
    assert wait_until(
        lambda: node_a.metric("aduana_quarantine_held_messages", clause="SRE 9.i") == 1, 10
    )
    released = desk(
        node_a, "release", queue_id, "--override", "--by", REVIEWER,
        "--reason", "Autorizado por oficio DGCI/123/2026",
    )  # fmt: skip
    assert released.returncode == 0, released.stderr
    assert sink.wait_for(lambda d: OUTSIDER in d.rcpt_tos, timeout=15)
    # Node B holds nothing itself; it counts the review node A's desk wrote to the database.
    assert wait_until(
        lambda: (
            node_b.metric("aduana_quarantine_reviews_total", action="released", override="true")
            == 1
        ),
        10,
    )
    assert not (tmp_path / "a" / "var" / "ledger.sqlite").exists()
