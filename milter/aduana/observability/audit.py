"""The audit trail: one event per decided transaction, and the matching metrics.

Events carry envelope facts and rule ids, never message text.
"""

from __future__ import annotations

from typing import Any

from structlog.typing import FilteringBoundLogger

from aduana.observability.metrics import Metrics
from aduana.policy.facts import MessageContent, ScanResult, TransactionFacts
from aduana.policy.rule_ids import RuleId
from aduana.policy.verdict import Action, Reason, Verdict


def rank_label(facts: TransactionFacts) -> str:
    account = facts.provenance.account
    return account.rank if account is not None else "none"


def record_decision(
    logger: FilteringBoundLogger,
    metrics: Metrics,
    facts: TransactionFacts,
    verdict: Verdict,
    busy_seconds: float,
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
    if content is not None:
        _record_findings(logger, metrics, content, verdict)
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
        **_antivirus_fields(content),
    )


def _record_findings(
    logger: FilteringBoundLogger, metrics: Metrics, content: MessageContent, verdict: Verdict
) -> None:
    """Uninspectable parts and clamd's answer: logged and counted (never the body)."""
    inspection, text = content.inspection, content.text
    found = (inspection.failed_reads if inspection else ()) + (text.failed_reads if text else ())
    for part in found:
        metrics.parts_uninspectable.labels(error=part.error).inc()
        logger.warning(
            "part_uninspectable", queue_id=content.queue_id, part=part.where, error=part.error
        )
    scan = content.antivirus
    if scan is None:
        return
    metrics.antivirus_scans.labels(result=scan.result.value).inc()
    if scan.result is ScanResult.UNAVAILABLE:
        logger.warning("antivirus_unavailable", queue_id=content.queue_id, error=scan.error)
        if verdict.action is Action.TEMPFAIL and any(
            r.rule == RuleId.ANTIVIRUS_UNAVAILABLE and r.enforced for r in verdict.reasons
        ):
            metrics.backend_tempfails.labels(backend="clamd").inc()


def _antivirus_fields(content: MessageContent | None) -> dict[str, Any]:
    scan = content.antivirus if content is not None else None
    if scan is None:
        return {}
    fields: dict[str, Any] = {"antivirus": scan.result.value}
    if scan.signature is not None:
        fields["virus"] = scan.signature
    return fields


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
