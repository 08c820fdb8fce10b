"""The audit trail: one event per decided transaction, and the matching metrics.

Events carry envelope facts and rule ids, never message text.
"""

from __future__ import annotations

from typing import Any

from aduana.facts import TransactionFacts
from aduana.observability.metrics import Metrics
from aduana.verdict import Reason, Verdict


def rank_label(facts: TransactionFacts) -> str:
    account = facts.provenance.account
    return account.rank if account is not None else "none"


def record_decision(
    logger: Any, metrics: Metrics, facts: TransactionFacts, verdict: Verdict, busy_seconds: float
) -> None:
    """Write the audit event and count the decision."""
    envelope = facts.envelope
    content = facts.content
    rank = rank_label(facts)
    metrics.transactions.labels(action=verdict.action.value).inc()
    metrics.processing_seconds.observe(busy_seconds)
    for reason in verdict.reasons:
        metrics.rule_hits.labels(
            rule=reason.rule,
            clause=reason.clause,
            organisation=reason.organisation,
            rank=rank,
            enforced=str(reason.enforced).lower(),
        ).inc()
        if reason.lifted_by is not None:
            metrics.approvals_used.labels(clause=reason.clause).inc()
    logger.info(
        "transaction",
        queue_id=content.queue_id if content else None,
        stage="end_of_message" if content else "mail_from",
        sender=envelope.sender,
        login=envelope.login,
        client=envelope.client_address,
        origin=facts.provenance.origin.value,
        organisation=facts.provenance.organisation,
        recipient_count=len(envelope.recipients),
        size=content.size if content else envelope.declared_size,
        action=verdict.action.value,
        rank=rank,
        reply=str(verdict.reply) if verdict.reply else None,
        reasons=[_reason_fields(r) for r in verdict.reasons],
        approvals=list(verdict.approvals_used),
        added_headers=[name for name, _ in verdict.effects.headers],
        copies=list(verdict.effects.add_recipients),
        legal_holds=list(verdict.effects.holds),
        notices=len(verdict.effects.notices),
    )


def _reason_fields(reason: Reason) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "rule": reason.rule,
        "clause": reason.clause,
        "enforced": reason.enforced,
        "action": reason.action.value,
    }
    if reason.lifted_by is not None:
        fields["lifted_by"] = reason.lifted_by
    return fields
