"""The pymilter adapter: one session object per SMTP connection.

It collects facts callback by callback, asks the pure engine for a verdict and
turns the verdict into milter actions. It is also aduana's single error
boundary: an unexpected exception in any callback is logged once, counted, and
answered with the configured default (451 4.7.1 unless configured otherwise).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

import Milter
from structlog.typing import FilteringBoundLogger

from aduana.clock import Clock
from aduana.config.templates import ascii_fold
from aduana.directory.account import DirectoryUnavailableError
from aduana.gateway.checkpoint import (
    ENVELOPE_ACTIONS,
    INLINE,
    at_end_of_message,
    at_mail_from,
    never_suspended,
)
from aduana.gateway.inspection_pool import Inspector
from aduana.gateway.notices import Notifier
from aduana.gateway.runtime import Runtime
from aduana.gateway.sanctions import Sanctions
from aduana.gateway.send_counts import SendCounter
from aduana.gateway.transaction import TransactionBuilder, declared_size
from aduana.ledger import LedgerUnavailableError
from aduana.mta.addresses import parse_address
from aduana.observability.audit import record_decision
from aduana.observability.metrics import Metrics
from aduana.policy.facts import Envelope, TransactionFacts
from aduana.policy.verdict import Action, Effects, SmtpReply, Verdict

F = TypeVar("F", bound=Callable[..., Any])

CONTINUE: int = Milter.CONTINUE
ACCEPT: int = Milter.ACCEPT
REJECT: int = Milter.REJECT
TEMPFAIL: int = Milter.TEMPFAIL
DISCARD: int = Milter.DISCARD
noreply = cast(Callable[[F], F], Milter.noreply)
nocallback = cast(Callable[[F], F], Milter.nocallback)

_MILTER_RESULT: dict[Action, int] = {
    Action.ACCEPT: CONTINUE,
    Action.TAG: CONTINUE,
    Action.REJECT: REJECT,
    Action.TEMPFAIL: TEMPFAIL,
    Action.DISCARD: DISCARD,
    Action.QUARANTINE: ACCEPT,
}


@dataclass(frozen=True)
class SessionServices:
    """What every session needs, injected by the composition root."""

    runtime: Callable[[], Runtime]
    metrics: Metrics
    logger: FilteringBoundLogger
    clock: Clock
    """Monotonic seconds, for measuring processing time."""
    wall_clock: Clock
    """Unix time, for rolling windows and approval dates."""
    send_counts: SendCounter
    sanctions: Sanctions | None = None
    notifier: Notifier | None = None
    inspector: Inspector = INLINE


class MilterSession(Milter.Base):  # type: ignore[misc]
    """Callbacks for one MTA connection; transactions are decided one at a time."""

    def __init__(self, services: SessionServices) -> None:
        self._services = services
        self._runtime = services.runtime()
        self._client: str | None = None
        self._connected = False
        self._transaction: TransactionBuilder | None = None
        self._failed_stage: str | None = None
        self._busy_seconds = 0.0
        self._step_started = 0.0

    # --- the error boundary --------------------------------------------------

    def _guarded(self, stage: str, step: Callable[[], int], *, can_reply: bool = True) -> int:
        self._step_started = self._services.clock()
        try:
            if self._failed_stage is not None:
                result = self._internal_error() if can_reply else CONTINUE
            else:
                result = step()
        except DirectoryUnavailableError as error:
            # An expected outage, not a bug: the MTA keeps the mail and retries.
            self._services.logger.warning(
                "directory_unavailable", stage=stage, client=self._client, error=str(error)
            )
            self._services.metrics.backend_tempfails.labels(backend="directory").inc()
            result = self._fail(stage, can_reply)
        except LedgerUnavailableError as error:
            # Only the suspension look-up gets here: ledger writes never stop a decision.
            self._services.logger.warning(
                "ledger_unavailable", stage=stage, client=self._client, error=str(error)
            )
            self._services.metrics.backend_tempfails.labels(backend="ledger").inc()
            result = self._fail(stage, can_reply)
        except Exception:
            self._services.logger.exception("internal_error", stage=stage, client=self._client)
            self._services.metrics.internal_errors.labels(stage=stage).inc()
            result = self._fail(stage, can_reply)
        self._busy_seconds += self._services.clock() - self._step_started
        return result

    def _fail(self, stage: str, can_reply: bool) -> int:
        self._failed_stage = stage
        # A callback the MTA does not wait for fails at the next step that can reply.
        return self._internal_error() if can_reply else CONTINUE

    def _internal_error(self) -> int:
        self._new_transaction(None)
        policy = self._runtime.settings.daemon.on_internal_error
        self._services.metrics.transactions.labels(action=policy.action.value).inc()
        if policy.action is Action.ACCEPT:
            return ACCEPT
        settings = self._runtime.settings
        text = settings.templates.render(settings.daemon.language, "internal_error")
        reply = SmtpReply(policy.code, policy.status, ascii_fold(text))
        self._setreply(reply)
        return TEMPFAIL if policy.action is Action.TEMPFAIL else REJECT

    # --- milter callbacks ----------------------------------------------------

    @noreply
    def connect(self, hostname: str, family: int, hostaddr: Any) -> int:
        return self._guarded("connect", lambda: self._on_connect(hostaddr), can_reply=False)

    def envfrom(self, sender: str, *params: str) -> int:
        return self._guarded("mail_from", lambda: self._on_mail_from(sender, params))

    @noreply
    def envrcpt(self, recipient: str, *params: str) -> int:
        return self._guarded("rcpt_to", lambda: self._on_rcpt(recipient), can_reply=False)

    # DATA and end of headers decide nothing: the MTA does not send them at all
    # (SMFIP_NODATA, SMFIP_NOEOH), which saves a packet each and DATA's round trip.
    @nocallback
    def data(self) -> int:
        return CONTINUE

    @noreply
    def header(self, name: str, value: str) -> int:
        return self._guarded("header", lambda: self._on_header(name, value), can_reply=False)

    @nocallback
    def eoh(self) -> int:
        return CONTINUE

    @noreply
    def body(self, chunk: bytes) -> int:
        return self._guarded("body", lambda: self._on_body(chunk), can_reply=False)

    def eom(self) -> int:
        return self._guarded("end_of_message", self._on_end_of_message)

    def abort(self) -> int:
        self._new_transaction(None)
        return CONTINUE

    def close(self) -> int:
        self._new_transaction(None)
        if self._connected:
            self._services.metrics.connections_open.dec()
            self._connected = False
        return CONTINUE

    # --- what each step does -------------------------------------------------

    def _on_connect(self, hostaddr: Any) -> int:
        self._connected = True
        self._services.metrics.connections_open.inc()
        self._client = hostaddr[0] if isinstance(hostaddr, tuple) else str(hostaddr)
        return CONTINUE

    def _on_mail_from(self, sender_argument: str, params: tuple[str, ...]) -> int:
        login = self.getsymval("{auth_authen}") or None
        envelope = Envelope(
            sender=parse_address(sender_argument),
            login=login,
            declared_size=declared_size(params),
            client_address=self.getsymval("{client_addr}") or self._client,
        )
        sanctions = self._services.sanctions
        builder, facts, verdict = at_mail_from(
            self._runtime, envelope, self._services.wall_clock(),
            sanctions.is_suspended if sanctions else never_suspended,
        )  # fmt: skip
        self._new_transaction(builder)
        self._services.metrics.origins.labels(origin=facts.provenance.origin.value).inc()
        if verdict.action in ENVELOPE_ACTIONS:
            return self._apply(facts, verdict)
        return CONTINUE

    def _on_rcpt(self, recipient: str) -> int:
        self._current().add_recipient(recipient)
        return CONTINUE

    def _on_header(self, name: str, value: str) -> int:
        self._current().add_header(name, value)
        return CONTINUE

    def _on_body(self, chunk: bytes) -> int:
        self._current().add_body(chunk)
        return CONTINUE

    def _on_end_of_message(self) -> int:
        services = self._services
        facts, verdict, pending = at_end_of_message(
            self._runtime, self._current(), services.send_counts, self.getsymval("i"),
            services.wall_clock(), services.inspector,
        )  # fmt: skip
        if facts.content is not None:
            services.metrics.message_size_bytes.observe(facts.content.size)
        services.send_counts.record(pending, verdict)
        return self._apply(facts, verdict)

    def _current(self) -> TransactionBuilder:
        if self._transaction is None:
            raise RuntimeError("message callback outside a transaction")
        return self._transaction

    def _modify(self, facts: TransactionFacts, effects: Effects) -> None:
        """Headers and recipients only; the body is never touched (DKIM stays valid)."""
        for name, index in effects.remove_headers:
            self.chgheader(name, index, None)
        for name, value in effects.headers:
            self.addheader(name, value)
        if effects.subject_prefix and facts.content is not None:
            subject = facts.content.subject
            if subject is None:
                self.addheader("Subject", effects.subject_prefix)
            elif not subject.startswith(effects.subject_prefix):
                self.chgheader("Subject", 1, f"{effects.subject_prefix} {subject}")
        for recipient in effects.add_recipients:
            self.addrcpt(f"<{recipient}>")

    def _setreply(self, reply: SmtpReply) -> None:
        # libmilter treats '%' as a format character and drops replies with a single one.
        self.setreply(str(reply.code), reply.status, reply.text.replace("%", "%%"))

    def _new_transaction(self, transaction: TransactionBuilder | None) -> None:
        if self._transaction is not None:
            self._transaction.close()
        self._transaction = transaction
        self._failed_stage = None
        self._busy_seconds = 0.0

    def _apply(self, facts: TransactionFacts, verdict: Verdict) -> int:
        busy = self._busy_seconds + self._services.clock() - self._step_started
        record_decision(self._services.logger, self._services.metrics, facts, verdict, busy)
        if self._services.sanctions is not None:
            at = datetime.fromtimestamp(self._services.wall_clock(), UTC)
            self._services.sanctions.after_decision(facts, verdict, at)
        if verdict.reply is not None:
            self._setreply(verdict.reply)
        if facts.content is not None:
            self._modify(facts, verdict.effects)
        if verdict.action is Action.QUARANTINE:
            decisive = verdict.decisive
            self.quarantine(f"{decisive.clause}: {decisive.rule}" if decisive else "aduana")
        if self._services.notifier is not None:
            for notice in verdict.effects.notices:
                self._services.notifier.send(notice)
        self._new_transaction(None)
        return _MILTER_RESULT[verdict.action]


def install_session_factory(services: SessionServices) -> None:
    """The one place that tells pymilter how to create a session per connection."""
    Milter.factory = lambda: MilterSession(services)
