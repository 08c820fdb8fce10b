"""The review desk through a real Postfix: held mail listed by clause, re-checked, released."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from aduana.ledger.review import ReviewAction, SqliteReviewLedger

from .aduana_fixtures import RunningAduana, start_aduana
from .harness import MilterFactory, PostfixFactory, PrivatePostfix, RecordingSink, send, wait_until

JEFE = "analista.prueba@sre.gob.mx"
OUTSIDER = "proveedor@example.org"
REVIEWER = "Mesa de revision DGCI"


def reserved(subject: str) -> bytes:
    body = "RESERVADO\n\nAdjunto el informe de la negociación."
    return f"From: <{JEFE}>\nTo: <{OUTSIDER}>\nSubject: {subject}\n\n{body}\n".encode()


@pytest.fixture
def gateway(postfix_factory: PostfixFactory) -> PrivatePostfix:
    return postfix_factory()


@pytest.fixture
def aduana(gateway: PrivatePostfix, milter_factory: MilterFactory, tmp_path: Path) -> RunningAduana:
    """aduana behind the gateway; it reads the gateway's hold queue every second."""
    extra = (
        f"notices:\n  smtp_host: 127.0.0.1\n  smtp_port: {gateway.port}\n"
        f"quarantine:\n  postfix_config_dir: {gateway.config_dir}\n  backlog_refresh_seconds: 1\n"
    )
    running = start_aduana(milter_factory, tmp_path, extra)
    gateway.set_milter(running.process.postfix_spec)
    return running


def desk(aduana: RunningAduana, *arguments: str) -> subprocess.CompletedProcess[str]:
    """`aduana quarantine ...` as a reviewer runs it (as root, as postsuper requires)."""
    return subprocess.run(
        [sys.executable, "-m", "aduana", "quarantine", *arguments,
         "--config", str(aduana.config_file)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def audit_events(result: subprocess.CompletedProcess[str]) -> list[dict[str, object]]:
    return [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]


def hold(gateway: PrivatePostfix, subject: str) -> str:
    result = send(gateway, JEFE, [OUTSIDER], reserved(subject), login=JEFE)
    assert result.accepted, result
    assert result.queue_id in [m["queue_id"] for m in gateway.hold_queue()]
    return str(result.queue_id)


def review_notices(sink: RecordingSink, count: int) -> list[str]:
    notices = sink.wait_for(
        lambda d: JEFE in d.rcpt_tos and "retenido fue" in str(d.header("Subject")),
        count=count, timeout=15,
    )  # fmt: skip
    return [d.message.get_content() for d in notices]


def test_reserved_message_is_listed_under_its_clause_and_released_with_override(
    aduana: RunningAduana, gateway: PrivatePostfix, sink: RecordingSink
) -> None:
    queue_id = hold(gateway, "Informe")
    listed = desk(aduana, "list", "-c", str(gateway.config_dir))
    assert listed.returncode == 0, listed.stderr
    [row] = [line for line in listed.stdout.splitlines() if line.startswith(queue_id)]
    assert "SRE 9.i" in row
    assert JEFE in row
    assert "dlp.classified_marking" in row
    as_json = json.loads(desk(aduana, "list", "--clause", "sre 9.i", "--format", "json").stdout)
    assert [(r["queue_id"], r["clauses"]) for r in as_json] == [(queue_id, ["SRE 9.i"])]
    assert json.loads(desk(aduana, "list", "--clause", "SRE 18", "--format", "json").stdout) == []
    assert wait_until(
        lambda: aduana.metric("aduana_quarantine_held_messages", clause="SRE 9.i") == 1, 10
    )

    released = desk(
        aduana, "release", queue_id, "--override", "--by", REVIEWER,
        "--reason", "Autorizado por oficio DGCI/123/2026",
    )  # fmt: skip
    assert released.returncode == 0, released.stderr
    assert f"{queue_id}: released (override)" in released.stdout
    [delivered] = sink.wait_for(lambda d: OUTSIDER in d.rcpt_tos, timeout=15)
    assert delivered.header("Subject") == "Informe"
    assert delivered.header("X-Aduana-Hold") == "dlp.classified_marking (SRE 9.i)"
    assert gateway.hold_queue() == []

    [event] = [e for e in audit_events(released) if e["event"] == "quarantine_released"]
    assert (event["queue_id"], event["by"], event["override"]) == (queue_id, REVIEWER, True)
    assert event["clauses"] == ["SRE 9.i"]
    assert event["recheck"] == "quarantine"
    [notice] = review_notices(sink, 1)
    assert "liberado y entregado" in notice
    assert "Autorizado por oficio DGCI/123/2026" in notice
    assert queue_id in notice
    assert wait_until(
        lambda: (
            aduana.metric("aduana_quarantine_reviews_total", action="released", override="true")
            == 1
        ),
        10,
    )
    assert wait_until(
        lambda: aduana.metric("aduana_quarantine_held_messages", clause="SRE 9.i") == 0, 10
    )
    with SqliteReviewLedger(aduana.config_dir.parent / "var" / "ledger.sqlite") as ledger:
        [review] = ledger.reviews(queue_id)
    assert (review.action, review.by, review.override) == (ReviewAction.RELEASED, REVIEWER, True)


def test_held_message_refused_again_by_the_recheck_stays_held(
    aduana: RunningAduana, gateway: PrivatePostfix, sink: RecordingSink
) -> None:
    queue_id = hold(gateway, "Segundo informe")
    refused = desk(aduana, "release", queue_id, "--by", REVIEWER, "--reason", "Parece correcto")
    assert refused.returncode == 1
    assert "still held" in refused.stdout
    assert "dlp.classified_marking (SRE 9.i)" in refused.stdout
    assert [m["queue_id"] for m in gateway.hold_queue()] == [queue_id]
    [event] = audit_events(refused)
    assert (event["event"], event["override"]) == ("quarantine_release_refused", False)
    assert sink.wait_for(lambda d: OUTSIDER in d.rcpt_tos, timeout=2) == []
    assert wait_until(
        lambda: (
            aduana.metric(
                "aduana_quarantine_reviews_total", action="release_refused", override="false"
            )
            == 1
        ),
        10,
    )


def test_message_released_without_override_once_the_policy_lets_it_pass(
    aduana: RunningAduana, gateway: PrivatePostfix, sink: RecordingSink
) -> None:
    queue_id = hold(gateway, "Informe anterior")
    policy = aduana.config_dir / "policies" / "sre.yaml"
    text = policy.read_text(encoding="utf-8")
    policy.write_text(
        text.replace('markings: {clause: "SRE 9.i", action: quarantine, notify: both}',
                     'markings: {clause: "SRE 9.i", action: quarantine, mode: monitor}'),
        encoding="utf-8",
    )  # fmt: skip
    released = desk(aduana, "release", queue_id, "--by", REVIEWER, "--reason", "Desclasificado")
    assert released.returncode == 0, released.stdout + released.stderr
    assert f"{queue_id}: released; re-check: accept" in released.stdout
    assert sink.wait_for(lambda d: OUTSIDER in d.rcpt_tos, timeout=15)


def test_deleted_message_is_gone_and_the_sender_is_told(
    aduana: RunningAduana, gateway: PrivatePostfix, sink: RecordingSink
) -> None:
    queue_id = hold(gateway, "Borrador")
    shown = desk(aduana, "show", queue_id)
    assert shown.returncode == 0, shown.stderr
    assert "SRE 9.i  dlp.classified_marking" in shown.stdout
    assert "negociación" not in shown.stdout  # the body only with --body
    assert "negociación" in desk(aduana, "show", queue_id, "--body").stdout
    deleted = desk(aduana, "delete", queue_id, "--by", REVIEWER, "--reason", "Envio indebido")
    assert deleted.returncode == 0, deleted.stderr
    assert gateway.hold_queue() == []
    [notice] = review_notices(sink, 1)
    assert "eliminado sin entregarse" in notice
    assert sink.wait_for(lambda d: OUTSIDER in d.rcpt_tos, timeout=2) == []
    again = desk(aduana, "delete", queue_id, "--by", REVIEWER, "--reason", "otra vez")
    assert again.returncode == 1
    assert "not in the hold queue" in again.stderr
