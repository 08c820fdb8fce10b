"""The review desk's parts without a Postfix: the hold header, the review ledger (in a
SQLite file and in a real PostgreSQL), the desk over a hand-written hold queue, and the
approvals report with its uses."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import structlog
from prometheus_client import CollectorRegistry
from structlog.testing import capture_logs

from aduana.cli import main
from aduana.commands.approvals_usage import NOT_IN_REGISTER, approvals_usage, render_usage
from aduana.commands.explain import Submission, explain
from aduana.gateway.runtime import Runtime
from aduana.ledger.last_send import LedgerUnavailableError
from aduana.ledger.review import (
    ApprovalUse,
    HeldReason,
    HoldRecord,
    Review,
    ReviewAction,
    ReviewLedger,
    SqliteReviewLedger,
    record_decision,
)
from aduana.observability.metrics import Metrics
from aduana.policy.facts import Envelope, MessageContent, TransactionFacts
from aduana.policy.rule_ids import RuleId
from aduana.policy.verdict import Action, Notice, Reason, Verdict
from aduana.quarantine.backlog import UNRECORDED, BacklogMonitor
from aduana.quarantine.desk import ListFilter, ReviewDesk
from aduana.quarantine.hold_mark import HeldFor, clause_key, hold_header, parse_hold_header
from aduana.quarantine.hold_queue import NotHeldError, QueuedMessage, Submitter
from tests.conftest import SHIPPED_CONFIG
from tests.support.postgres_server import PostgresServer

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(minutes=1)
JEFE = "analista.prueba@sre.gob.mx"
OUTSIDER = "proveedor@example.org"
BOLETIN = "comunicacion.social@sre.gob.mx"


def test_hold_header_names_rules_and_folded_clauses_and_reads_back() -> None:
    reasons = [
        Reason("dlp.classified_marking", "SRE 9.i", "", Action.QUARANTINE),
        Reason("content.obscene", "EDOMEX Cancelación", "", Action.QUARANTINE),
    ]
    name, value = hold_header(reasons)
    assert (name, value) == (
        "X-Aduana-Hold",
        "dlp.classified_marking (SRE 9.i); content.obscene (EDOMEX Cancelacion)",
    )
    assert parse_hold_header(value) == (
        HeldFor("dlp.classified_marking", "SRE 9.i"),
        HeldFor("content.obscene", "EDOMEX Cancelacion"),
    )
    assert clause_key("EDOMEX Cancelación") == clause_key("edomex  cancelacion")


@pytest.mark.parametrize("value", ["", "garbage", "rule without clause", "(SRE 9.i)"])
def test_unreadable_hold_header_gives_no_reasons(value: str) -> None:
    assert parse_hold_header(value) == ()


BACKENDS = ("sqlite", "postgresql")

OpenReview = Callable[[], ReviewLedger]


@pytest.fixture(params=BACKENDS)
def new_review(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OpenReview]:
    """Opens review ledgers of one backend (as nodes or the CLI would), all onto the same
    empty file or database."""
    opened: list[ReviewLedger] = []

    def open_sqlite() -> ReviewLedger:
        opened.append(SqliteReviewLedger(tmp_path / "ledger.sqlite"))
        return opened[-1]

    opener = open_sqlite
    if request.param == "postgresql":
        from aduana.ledger.postgres_review import PostgresReviewLedger

        server: PostgresServer = request.getfixturevalue("postgres_server")
        server.reset()

        def open_postgres() -> ReviewLedger:
            opened.append(PostgresReviewLedger(server.dsn, password=server.password))
            return opened[-1]

        opener = open_postgres
    yield opener
    for ledger in opened:
        ledger.close()


@pytest.fixture
def review(new_review: OpenReview) -> ReviewLedger:
    return new_review()


def test_daemon_records_a_hold_and_each_approval_that_waived_a_reason(
    review: ReviewLedger,
) -> None:
    facts = TransactionFacts(Envelope(JEFE), content=MessageContent(size=10, queue_id="ABC123"))
    held = Reason("dlp.classified_marking", "SRE 9.i", "marca reservada", Action.QUARANTINE)
    waived = Reason(
        "mass_mailing.rate", "SRE 9.g", "", Action.REJECT, enforced=False, lifted_by="OF/1"
    )
    verdict = Verdict(Action.QUARANTINE, (held, waived))
    record_decision(review, facts, verdict, NOW)
    record_decision(review, facts, verdict, LATER)
    [record] = review.holds(["ABC123", "OTHER"]).values()
    assert record.reasons == (HeldReason("dlp.classified_marking", "SRE 9.i", "marca reservada"),)
    assert review.approval_uses() == [
        ApprovalUse(
            "OF/1", "mass_mailing.rate", "SRE 9.g", "2026-06-01", 2, NOW + timedelta(minutes=1)
        )
    ]


def test_a_hold_and_its_review_recorded_by_one_node_are_seen_by_another(
    new_review: OpenReview,
) -> None:
    node_a, node_b = new_review(), new_review()
    reasons = (HeldReason("dlp.classified_marking", "SRE 9.i", "marca reservada"),)
    node_a.record_hold(HoldRecord("ABC123", NOW, reasons))
    node_a.record_hold(HoldRecord("ABC123", LATER, ()))
    assert node_b.holds(["ABC123", "ABC123", "OTHER"]) == {
        "ABC123": HoldRecord("ABC123", LATER, ())
    }
    review = Review(
        NOW, "ABC123", ReviewAction.RELEASED, "revisora", "sin marca", True, "quarantine",
        ("SRE 9.i", "EDOMEX Cancelación"), JEFE,
    )  # fmt: skip
    node_b.record_review(review)
    assert node_a.reviews("ABC123") == [review]
    assert node_a.reviews() == [review]
    assert node_a.reviews("OTHER") == []
    assert node_a.review_counts() == {(ReviewAction.RELEASED, True): 1}
    node_a.record_approval_uses([("OF/1", "mass_mailing.rate", "SRE 9.g")], LATER)
    node_b.record_approval_uses([("OF/1", "mass_mailing.rate", "SRE 9.g")], NOW)
    assert node_b.approval_uses() == [
        ApprovalUse("OF/1", "mass_mailing.rate", "SRE 9.g", "2026-06-01", 2, LATER)
    ]


def test_a_database_outage_shows_in_the_backlog_gauge_until_the_server_is_back(
    postgres_server: PostgresServer,
) -> None:
    from aduana.ledger.postgres_review import PostgresReviewLedger

    postgres_server.reset()
    metrics = Metrics.create(CollectorRegistry())
    queue = FakeHoldQueue({"A": (queued("A", timedelta(hours=2)), b"")})
    with PostgresReviewLedger(postgres_server.dsn, password=postgres_server.password) as review:
        review.record_hold(HoldRecord("A", NOW, (HeldReason("dlp.x", "SRE 9.i", ""),)))
        monitor = BacklogMonitor(
            queue, review, metrics, structlog.get_logger("aduana"), NOW.timestamp
        )
        sample = metrics.registry.get_sample_value
        postgres_server.stop()
        try:
            with pytest.raises(LedgerUnavailableError, match=r"postgresql 127\.0\.0\.1:\d+/aduana"):
                review.holds(["A"])
            assert monitor.refresh() is False
            assert sample("aduana_quarantine_backlog_unreadable") == 1
        finally:
            postgres_server.start()
        assert monitor.refresh() is True
        assert sample("aduana_quarantine_backlog_unreadable") == 0
        assert sample("aduana_quarantine_held_messages", {"clause": "SRE 9.i"}) == 1


class FakeHoldQueue:
    """A hand-written hold queue: messages in memory, what was released and deleted."""

    def __init__(self, messages: dict[str, tuple[QueuedMessage, bytes]]) -> None:
        self.messages = messages
        self.released: list[str] = []
        self.deleted: list[str] = []

    def held(self) -> list[QueuedMessage]:
        return [queued for queued, _ in self.messages.values()]

    def find(self, queue_id: str) -> QueuedMessage:
        if queue_id not in self.messages:
            raise NotHeldError(f"{queue_id} is not in the hold queue")
        return self.messages[queue_id][0]

    def message(self, queue_id: str) -> bytes:
        return self.messages[queue_id][1]

    def headers(self, queue_id: str) -> bytes:
        return self.messages[queue_id][1].partition(b"\n\n")[0] + b"\n\n"

    def submitter(self, queue_id: str) -> Submitter:
        return Submitter(login=JEFE, client_address="127.0.0.1")

    def release(self, queue_id: str) -> None:
        self.released.append(queue_id)
        del self.messages[queue_id]

    def delete(self, queue_id: str) -> None:
        self.deleted.append(queue_id)
        del self.messages[queue_id]


def queued(queue_id: str, age: timedelta, to: str = OUTSIDER) -> QueuedMessage:
    return QueuedMessage(queue_id, NOW - age, JEFE, (to,), 100)


def raw(body: str, hold: str = "dlp.classified_marking (SRE 9.i)") -> bytes:
    return (
        f"From: <{JEFE}>\nTo: <{OUTSIDER}>\nSubject: Informe\nX-Aduana-Hold: {hold}\n\n{body}\n"
    ).encode()


@pytest.fixture
def desk_parts(shipped_runtime: Runtime, review: ReviewLedger) -> Any:
    queue = FakeHoldQueue(
        {
            "OLD1": (queued("OLD1", timedelta(days=3)), raw("RESERVADO\n\nInforme.")),
            "NEW2": (queued("NEW2", timedelta(hours=1), "colega@sre.gob.mx"), raw("Hola.")),
        }
    )
    notices: list[Notice] = []
    logger = structlog.get_logger("aduana")
    desk = ReviewDesk(shipped_runtime, queue, review, notices.append, logger, lambda: NOW)
    return desk, queue, notices


@pytest.mark.parametrize(
    ("wanted", "expected"),
    [
        (ListFilter(), ["OLD1", "NEW2"]),
        (ListFilter(clause="sre 9.i"), ["OLD1", "NEW2"]),
        (ListFilter(clause="SRE 18"), []),
        (ListFilter(recipient_domain="sre.gob.mx"), ["NEW2"]),
        (ListFilter(sender=JEFE.upper()), ["OLD1", "NEW2"]),
        (ListFilter(older_than=timedelta(days=1)), ["OLD1"]),
        (ListFilter(newer_than=timedelta(days=1)), ["NEW2"]),
    ],
)
def test_list_filters_by_clause_sender_recipient_domain_and_age(
    desk_parts: Any, wanted: ListFilter, expected: list[str]
) -> None:
    desk, *_ = desk_parts
    assert [h.queued.queue_id for h in desk.list_held(wanted)] == expected


def test_release_after_a_passing_recheck_tells_the_sender(desk_parts: Any) -> None:
    desk, queue, notices = desk_parts
    with capture_logs() as logged:
        outcome = desk.release("NEW2", by="revisora", reason="sin marca")
    assert (outcome.released, outcome.overridden) == (True, False)
    assert queue.released == ["NEW2"]
    [notice] = notices
    assert notice.to == JEFE
    assert "liberado y entregado" in notice.subject
    assert "sin marca" in notice.body
    assert logged[0]["event"] == "quarantine_released"


def test_release_refused_by_the_recheck_changes_nothing_and_tells_nobody(
    desk_parts: Any, review: ReviewLedger
) -> None:
    desk, queue, notices = desk_parts
    outcome = desk.release("OLD1", by="revisora", reason="parece bien")
    assert outcome.released is False
    assert outcome.recheck.action is Action.QUARANTINE
    assert queue.released == []
    assert notices == []
    [recorded] = review.reviews("OLD1")
    assert (recorded.action, recorded.recheck) == (ReviewAction.RELEASE_REFUSED, "quarantine")


def test_unknown_queue_id_is_not_held(desk_parts: Any) -> None:
    desk, *_ = desk_parts
    with pytest.raises(NotHeldError):
        desk.delete("NOPE", by="revisora", reason="x")


def test_backlog_gauges_by_clause_and_reviews_counted_from_the_ledger(
    review: ReviewLedger,
) -> None:
    metrics = Metrics.create(CollectorRegistry())
    queue = FakeHoldQueue(
        {
            "A": (queued("A", timedelta(hours=2)), b""),
            "B": (queued("B", timedelta(minutes=10)), b""),
        }
    )
    review.record_hold(
        HoldRecord("A", NOW - timedelta(hours=2), (HeldReason("dlp.x", "SRE 9.i", ""),))
    )
    monitor = BacklogMonitor(queue, review, metrics, structlog.get_logger("aduana"), NOW.timestamp)
    assert monitor.refresh()
    sample = metrics.registry.get_sample_value
    assert sample("aduana_quarantine_backlog_messages") == 2
    assert sample("aduana_quarantine_held_messages", {"clause": "SRE 9.i"}) == 1
    assert sample("aduana_quarantine_held_messages", {"clause": UNRECORDED}) == 1
    assert sample("aduana_quarantine_oldest_held_seconds", {"clause": "SRE 9.i"}) == 7200
    del queue.messages["A"]
    review.record_review(
        Review(NOW, "A", ReviewAction.DELETED, "r", "x", False, "", ("SRE 9.i",), JEFE)
    )
    assert monitor.refresh()
    assert sample("aduana_quarantine_held_messages", {"clause": "SRE 9.i"}) is None
    labels = {"action": "deleted", "override": "false"}
    assert sample("aduana_quarantine_reviews_total", labels) == 1


def test_approvals_report_lists_status_expiry_and_uses(shipped_runtime: Runtime) -> None:
    approvals = shipped_runtime.settings.approvals
    uses = [
        ApprovalUse("SRE/OM/0456/2026", "mass_mailing.recipients_per_message", "SRE 9.g",
                    "2026-05-30", 3, NOW - timedelta(days=2)),
        ApprovalUse("SRE/OM/0456/2026", "mass_mailing.recipients_per_message", "SRE 9.g",
                    "2026-06-01", 2, NOW),
        ApprovalUse("SRE/OM/0001/2024", "encryption.unauthorised", "SRE 7.b",
                    "2024-02-01", 1, NOW - timedelta(days=800)),
    ]  # fmt: skip
    rows = {r.reference: r for r in approvals_usage(approvals, uses, date(2026, 6, 1))}
    bulletin = rows["SRE/OM/0456/2026"]
    assert (bulletin.status, bulletin.uses, bulletin.last_used) == ("valid", 5, NOW)
    assert bulletin.valid_until == date(2026, 12, 31)
    assert rows["SRE/OM/0123/2025"].status == "expired"
    assert rows["SRE/OM/0123/2025"].uses == 0
    assert rows["SRE/OM/0001/2024"].status == NOT_IN_REGISTER
    csv_text = render_usage(list(rows.values()), "csv")
    assert "mass_mailing.recipients_per_message (SRE 9.g) x5" in csv_text


def test_mass_mailing_waived_by_an_approval_is_recorded_as_its_use(
    shipped_runtime: Runtime, review: ReviewLedger
) -> None:
    """The register's bulletin approval waives the recipients limit for its unit."""
    recipients = tuple(f"persona{i}@sre.gob.mx" for i in range(70))
    message = f"From: <{BOLETIN}>\nSubject: Boletin\n\nBoletin semanal.\n".encode()
    verdict = explain(
        shipped_runtime, Submission(BOLETIN, recipients, message, login=BOLETIN), NOW.timestamp()
    )
    assert verdict.approvals_used == ("SRE/OM/0456/2026",)
    facts = TransactionFacts(Envelope(BOLETIN), content=MessageContent(size=10, queue_id="Q1"))
    record_decision(review, facts, verdict, NOW)
    [use] = review.approval_uses()
    assert (use.reference, use.rule, use.uses) == (
        "SRE/OM/0456/2026",
        "mass_mailing.recipients_per_message",
        1,
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_report_approvals_command_reads_the_uses_the_daemon_recorded(
    backend: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest
) -> None:
    config_dir = tmp_path / "config"
    shutil.copytree(SHIPPED_CONFIG.parent, config_dir)
    config = config_dir / "aduana.yaml"
    ledger = tmp_path / "ledger.sqlite"
    text = config.read_text(encoding="utf-8").replace("/var/lib/aduana/ledger.sqlite", str(ledger))
    review: ReviewLedger
    if backend == "sqlite":
        review = SqliteReviewLedger(ledger)
    else:
        from aduana.ledger.postgres_review import PostgresReviewLedger

        server: PostgresServer = request.getfixturevalue("postgres_server")
        server.reset()
        (config_dir / "ledger-db.password").write_text(server.password + "\n", encoding="utf-8")
        block = (
            "  backend: postgresql\n  postgresql:\n"
            f'    dsn: "{server.dsn}"\n    password_file: ledger-db.password\n'
        )
        text = text.replace("  backend: sqlite\n", block, 1)
        review = PostgresReviewLedger(server.dsn, password=server.password)
    config.write_text(text, encoding="utf-8")
    uses = [("SRE/OM/0456/2026", "mass_mailing.rate", "SRE 9.g")]
    review.record_approval_uses(uses, NOW)
    review.record_approval_uses(uses, LATER)
    review.close()
    assert main(["report", "approvals", "--config", str(config), "--on", "2026-06-01"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("reference,status,organisation,valid_from,valid_until")
    assert lines[1] == (
        "SRE/OM/0456/2026,valid,sre,2026-01-01,2026-12-31,recipients_per_message rate one_to_one,"
        f"2,{LATER.isoformat()},mass_mailing.rate (SRE 9.g) x2"
    )
    assert lines[2].startswith("SRE/OM/0123/2025,expired,sre,2025-03-01,2025-06-30,")
    assert lines[2].endswith(",0,,")


def test_recheck_sees_a_sending_suspension_decided_after_the_hold(desk_parts: Any) -> None:
    desk, queue, notices = desk_parts
    desk.suspended = lambda address: address == JEFE
    outcome = desk.release("NEW2", by="revisora", reason="sin marca")
    assert outcome.released is False
    assert notices == []
    assert outcome.recheck.action is Action.REJECT
    assert [r.rule for r in outcome.recheck.reasons] == [RuleId.SENDING_SUSPENDED]
    assert queue.released == []
