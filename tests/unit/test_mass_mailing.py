"""Mass-mailing rules and the approvals register, as engine tables with a fixed date."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from aduana.gateway.runtime import Runtime
from aduana.policy.engine import decide
from aduana.policy.facts import (
    Envelope,
    MessageContent,
    SenderActivity,
    TransactionFacts,
    WindowActivity,
)
from aduana.policy.verdict import Action
from tests.support.transactions import judged_facts

JEFE = "analista.prueba@sre.gob.mx"
DIRECTOR = "director.prueba@sre.gob.mx"
DIFUSION = "comunicacion.social@sre.gob.mx"
TEACHER = "maestra.prueba@edugem.gob.mx"
IN_2026 = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
IN_2025 = datetime(2025, 4, 1, 12, 0, tzinfo=UTC)
HOUR, DAY = 3600, 86400


def facts(
    runtime: Runtime,
    sender: str,
    *,
    recipients: int = 1,
    hour: tuple[int, int] = (1, 1),
    day_recipients: int = 1,
    near_duplicates: int | None = None,
    at: datetime = IN_2026,
) -> TransactionFacts:
    envelope = Envelope(
        sender=sender,
        login=sender,
        recipients=tuple(f"r{i}@example.org" for i in range(recipients)),
    )
    activity = SenderActivity(
        windows=(
            WindowActivity(HOUR, hour[0], hour[1]),
            WindowActivity(DAY, hour[0], day_recipients),
        ),
        one_to_one_window=DAY,
        near_duplicate_recipients=near_duplicates,
    )
    return judged_facts(
        runtime,
        envelope,
        MessageContent(size=2000, header_from=(sender,)),
        received_at=at,
        activity=activity,
    )


@pytest.mark.parametrize(
    ("sender", "changes", "action", "rule", "reply"),
    [
        (JEFE, {"recipients": 30}, Action.ACCEPT, None, None),
        (JEFE, {"recipients": 31}, Action.REJECT, "mass_mailing.recipients_per_message",
         "550 5.5.3"),
        (DIRECTOR, {"recipients": 31}, Action.ACCEPT, None, None),
        (DIRECTOR, {"recipients": 61}, Action.REJECT, "mass_mailing.recipients_per_message",
         "550 5.5.3"),
        (JEFE, {"hour": (61, 61)}, Action.REJECT, "mass_mailing.rate", "550 5.7.1"),
        (JEFE, {"hour": (10, 101)}, Action.REJECT, "mass_mailing.rate", "550 5.7.1"),
        (DIRECTOR, {"hour": (10, 101)}, Action.ACCEPT, None, None),
        (JEFE, {"day_recipients": 301}, Action.REJECT, "mass_mailing.rate", "550 5.7.1"),
        (JEFE, {"near_duplicates": 25}, Action.ACCEPT, None, None),
        (JEFE, {"near_duplicates": 26}, Action.REJECT, "mass_mailing.one_to_one", "550 5.7.1"),
        (TEACHER, {"recipients": 31}, Action.REJECT, "mass_mailing.recipients_per_message",
         "550 5.5.3"),
        # The written approval of Comunicación Social lifts every limit in 2026...
        (DIFUSION, {"recipients": 500, "near_duplicates": 900}, Action.ACCEPT, None, None),
        # ...and stops working on its own once expired (checked in 2025: not yet valid).
        (DIFUSION, {"recipients": 500, "at": IN_2025}, Action.REJECT,
         "mass_mailing.recipients_per_message", "550 5.5.3"),
        # The Director's 2025 approval lifted only the per-message cap, and has expired.
        (DIRECTOR, {"recipients": 61, "at": IN_2025}, Action.ACCEPT, None, None),
        (DIRECTOR, {"near_duplicates": 26, "at": IN_2025}, Action.REJECT,
         "mass_mailing.one_to_one", "550 5.7.1"),
    ],
)  # fmt: skip
def test_mass_mailing_table(
    shipped_runtime: Runtime,
    sender: str,
    changes: dict[str, object],
    action: Action,
    rule: str | None,
    reply: str | None,
) -> None:
    verdict = decide(shipped_runtime.settings, facts(shipped_runtime, sender, **changes))  # type: ignore[arg-type]
    assert verdict.action is action
    assert (verdict.decisive.rule if verdict.decisive else None) == rule
    assert (str(verdict.reply)[:9] if verdict.reply else None) == reply


def test_refusal_names_count_limit_and_clause(shipped_runtime: Runtime) -> None:
    verdict = decide(shipped_runtime.settings, facts(shipped_runtime, JEFE, near_duplicates=40))
    assert str(verdict.reply) == (
        "550 5.7.1 Politica de correo institucional, clausula SRE 9.g: El mismo texto llego a 40 "
        "destinatarios en mensajes individuales en 1 d (limite 25); los envios masivos uno a uno "
        "requieren aprobacion por escrito."
    )


def test_approval_use_is_recorded_on_the_reason(shipped_runtime: Runtime) -> None:
    verdict = decide(shipped_runtime.settings, facts(shipped_runtime, DIFUSION, recipients=500))
    assert verdict.action is Action.ACCEPT
    [reason] = verdict.reasons
    assert reason.rule == "mass_mailing.recipients_per_message"
    assert not reason.enforced
    assert reason.lifted_by == "SRE/OM/0456/2026"
    assert verdict.approvals_used == ("SRE/OM/0456/2026",)


def test_one_message_to_many_is_not_the_one_to_one_pattern(shipped_runtime: Runtime) -> None:
    """26 recipients in one message is judged by the per-message cap (60), not one-to-one."""
    verdict = decide(
        shipped_runtime.settings,
        facts(shipped_runtime, DIRECTOR, recipients=26, near_duplicates=26),
    )
    assert verdict.action is Action.ACCEPT
