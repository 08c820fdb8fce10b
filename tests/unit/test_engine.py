"""Engine decisions on the shipped SRE and Edomex policies, as tables."""

from __future__ import annotations

from dataclasses import replace

import pytest

from aduana.config.loader import Settings
from aduana.gateway.runtime import Runtime
from aduana.policy.engine import decide
from aduana.policy.facts import Envelope, MessageContent, TransactionFacts
from aduana.policy.organisations import organisation_by_id
from aduana.policy.verdict import Action
from tests.support.transactions import INTERNAL_CLIENT, INTERNET_CLIENT, judged_facts

MIB = 1024 * 1024
JEFE = "analista.prueba@sre.gob.mx"
DIRECTOR = "director.prueba@sre.gob.mx"
SUSPENDED = "suspendido.prueba@sre.gob.mx"
CANCELLED = "cancelado.prueba@sre.gob.mx"
TEACHER = "maestra.prueba@edugem.gob.mx"
OUTSIDER = "alguien@example.org"


def facts(
    runtime: Runtime,
    sender: str,
    *,
    login: str | None = None,
    declared: int | None = None,
    size: int | None = None,
    header_from: tuple[str, ...] | None = None,
    client: str = INTERNAL_CLIENT,
) -> TransactionFacts:
    envelope = Envelope(
        sender=sender,
        login=login,
        declared_size=declared,
        recipients=("x@y.mx",),
        client_address=client,
    )
    content = None
    if size is not None:
        content = MessageContent(size=size, header_from=header_from or (sender,))
    return judged_facts(runtime, envelope, content)


@pytest.mark.parametrize(
    ("sender", "login", "declared", "size", "action", "rule", "clause", "code"),
    [
        # SRE 7: 5 MB for Jefe de Departamento and below, 10 MB above.
        (JEFE, JEFE, None, 5 * MIB, Action.ACCEPT, None, None, None),
        (JEFE, JEFE, None, 5 * MIB + 1, Action.REJECT, "size.cap", "SRE 7.a", 552),
        (JEFE, JEFE, 6 * MIB, None, Action.REJECT, "size.cap", "SRE 7.a", 552),
        (DIRECTOR, DIRECTOR, None, 6 * MIB, Action.ACCEPT, None, None, None),
        (DIRECTOR, DIRECTOR, 10 * MIB, None, Action.ACCEPT, None, None, None),
        (DIRECTOR, DIRECTOR, None, 10 * MIB + 1, Action.REJECT, "size.cap", "SRE 7.b", 552),
        # Identity: unknown, suspended and cancelled accounts.
        ("nadie@sre.gob.mx", None, None, None, Action.REJECT, "identity.unknown_account",
         "SRE 3", 550),
        (SUSPENDED, None, None, None, Action.REJECT, "identity.inactive_account", "SRE 18", 550),
        (CANCELLED, None, None, None, Action.REJECT, "identity.inactive_account", "SRE 18", 550),
        ("baja.prueba@edugem.gob.mx", None, None, None, Action.REJECT,
         "identity.inactive_account", "EDOMEX Cancelación", 550),
        ("nadie@seiem.edu.mx", None, None, None, Action.REJECT, "identity.unknown_account",
         "EDOMEX Responsabilidades b", 550),
        # Accounts are personal: the login must own the sender.
        (DIRECTOR, JEFE, None, None, Action.REJECT, "identity.login_mismatch", "SRE 17", 553),
        # A login may send only as an institutional address (SRE 1), and only its own (SRE 17).
        (OUTSIDER, JEFE, None, None, Action.REJECT, "identity.foreign_sender", "SRE 1", 550),
        (OUTSIDER, None, None, None, Action.REJECT, "identity.foreign_sender", "SRE 1", 550),
        (TEACHER, "mprueba", None, None, Action.ACCEPT, None, None, None),
        # A login no account has is answered by its own domain's organisation, or the
        # default one: the sender address it chose never picks the rules.
        (TEACHER, "otra", None, None, Action.REJECT, "identity.login_mismatch", "SRE 17", 553),
        (TEACHER, "otra@seiem.edu.mx", None, None, Action.REJECT, "identity.login_mismatch",
         "EDOMEX Responsabilidades c", 553),
        # A short login's owner may also log in with the full address.
        (TEACHER, TEACHER, None, None, Action.ACCEPT, None, None, None),
        ("mesadeservicios@edugem.gob.mx", "director.udai@edugem.gob.mx", None, None,
         Action.ACCEPT, None, None, None),
        # The MTA's own bounces answer to no account and no size cap.
        ("", None, None, 40 * MIB, Action.ACCEPT, None, None, None),
        # Edomex sets no size limit.
        (TEACHER, "mprueba", None, 40 * MIB, Action.ACCEPT, None, None, None),
    ],
)  # fmt: skip
def test_decides_by_identity_and_rank(
    shipped_runtime: Runtime,
    sender: str,
    login: str | None,
    declared: int | None,
    size: int | None,
    action: Action,
    rule: str | None,
    clause: str | None,
    code: int | None,
) -> None:
    """Each row is one transaction and the verdict an administrator expects."""
    verdict = decide(
        shipped_runtime.settings,
        facts(shipped_runtime, sender, login=login, declared=declared, size=size),
    )
    assert verdict.action is action
    decisive = verdict.decisive
    assert (decisive.rule if decisive else None) == rule
    assert (decisive.clause if decisive else None) == clause
    assert (verdict.reply.code if verdict.reply else None) == code


@pytest.mark.parametrize("sender", [OUTSIDER, ""])
def test_mail_from_the_internet_meets_no_sender_rules_whatever_its_size(
    shipped_runtime: Runtime, sender: str
) -> None:
    """Inbound mail is governed by the recipients' rules, and SRE caps only its own senders."""
    verdict = decide(
        shipped_runtime.settings,
        facts(shipped_runtime, sender, declared=40 * MIB, size=40 * MIB, client=INTERNET_CLIENT),
    )
    assert verdict.action is Action.ACCEPT
    assert verdict.reasons == ()


def test_size_reply_in_spanish_states_limit_size_and_clause(shipped_runtime: Runtime) -> None:
    verdict = decide(shipped_runtime.settings, facts(shipped_runtime, JEFE, size=6 * MIB))
    assert str(verdict.reply) == (
        "552 5.3.4 Politica de correo institucional, clausula SRE 7.a: "
        "El mensaje mide 6.0 MB y el limite para el cargo Jefe de Departamento es 5.0 MB."
    )


def test_declared_size_is_refused_before_data(shipped_runtime: Runtime) -> None:
    verdict = decide(shipped_runtime.settings, facts(shipped_runtime, JEFE, declared=7 * MIB))
    assert verdict.reply is not None
    assert verdict.reply.status == "5.3.4"
    assert "declarado" in verdict.reply.text
    assert "7.0 MB" in verdict.reply.text


def test_header_from_owned_by_someone_else_is_refused(shipped_runtime: Runtime) -> None:
    verdict = decide(
        shipped_runtime.settings,
        facts(shipped_runtime, DIRECTOR, login=DIRECTOR, size=1000, header_from=(JEFE,)),
    )
    assert verdict.action is Action.REJECT
    assert verdict.decisive is not None
    assert verdict.decisive.rule == "identity.header_from_mismatch"
    assert JEFE in verdict.decisive.detail


def test_header_from_alias_of_the_login_is_accepted(shipped_runtime: Runtime) -> None:
    udai = "director.udai@edugem.gob.mx"
    verdict = decide(
        shipped_runtime.settings,
        facts(shipped_runtime, udai, login=udai, size=1000,
              header_from=("mesadeservicios@edugem.gob.mx",)),
    )  # fmt: skip
    assert verdict.action is Action.ACCEPT


def test_monitor_only_decides_and_enforces_nothing(shipped_runtime: Runtime) -> None:
    daemon = replace_daemon(shipped_runtime, monitor_only=True)
    verdict = decide(daemon, facts(shipped_runtime, SUSPENDED, size=6 * MIB))
    assert verdict.action is Action.ACCEPT
    assert [r.rule for r in verdict.reasons] == ["identity.inactive_account", "size.cap"]
    assert not any(r.enforced for r in verdict.reasons)


def test_english_organisation_gets_english_reply(shipped_runtime: Runtime) -> None:
    sre = organisation_by_id(shipped_runtime.settings, "sre")
    assert sre is not None
    english = replace(
        shipped_runtime.settings,
        organisations=tuple(
            o.model_copy(update={"language": "en"}) if o.id == "sre" else o
            for o in shipped_runtime.settings.organisations
        ),
    )
    verdict = decide(english, facts(shipped_runtime, SUSPENDED))
    assert verdict.reply is not None
    assert verdict.reply.text == (
        "Institutional e-mail policy, clause SRE 18: "
        "The account suspendido.prueba@sre.gob.mx is suspended and may not send mail."
    )


def replace_daemon(runtime: Runtime, **changes: object) -> Settings:
    settings = runtime.settings
    return replace(settings, daemon=settings.daemon.model_copy(update=changes))
