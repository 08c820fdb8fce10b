"""``aduana quarantine list | show | release | delete``: the review desk on the command line.

Audit events go to standard error as JSON lines (one per release, refused
release or delete), so standard output stays the listing or the message.
"""

from __future__ import annotations

import argparse
import json
import sys
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from prometheus_client import CollectorRegistry

from aduana.directory.account import DirectoryUnavailableError
from aduana.gateway.notices import Notifier, spool_dir
from aduana.gateway.runtime import build_runtime
from aduana.ledger import SendingSuspensions
from aduana.ledger.backends import open_ledger, open_review_ledger
from aduana.observability.logging import configure_command_logging
from aduana.observability.metrics import Metrics
from aduana.policy.verdict import Verdict
from aduana.quarantine.desk import Examination, HeldMessage, ListFilter, ReviewDesk
from aduana.quarantine.hold_queue import HoldQueueError, NotHeldError, PostfixHoldQueue

_COLUMNS = ("queue_id", "held_since", "age", "sender", "recipients", "clauses", "rules")


def run_command(args: argparse.Namespace) -> int:
    runtime = build_runtime(args.config)
    settings = runtime.settings
    quarantine = settings.daemon.quarantine
    if args.postfix_config_dir is not None:
        quarantine = quarantine.model_copy(update={"postfix_config_dir": args.postfix_config_dir})
    logger = _audit_logger()
    with ExitStack() as stack:
        review = open_review_ledger(settings)
        stack.callback(review.close)
        ledger = open_ledger(settings)
        stack.callback(ledger.close)
        suspensions = SendingSuspensions(ledger)
        notifier = Notifier(
            settings.daemon.notices, spool_dir(settings), Metrics.create(CollectorRegistry()),
            logger,
        )  # fmt: skip
        stack.callback(notifier.close)
        # Runs first: what the MTA does not take now stays queued for the daemon.
        stack.callback(notifier.flush)
        desk = ReviewDesk(
            runtime, PostfixHoldQueue(quarantine), review, notifier.send, logger,
            lambda: datetime.now(UTC), suspensions.is_suspended,
        )  # fmt: skip
        try:
            return _run(desk, args)
        except NotHeldError as error:
            print(f"aduana: {error}", file=sys.stderr)
            return 1
        except HoldQueueError as error:
            print(f"aduana: {error}", file=sys.stderr)
            return 2
        except DirectoryUnavailableError as error:
            print(
                f"aduana: cannot re-check, the directory is unavailable: {error}", file=sys.stderr
            )
            return 2


def _run(desk: ReviewDesk, args: argparse.Namespace) -> int:
    if args.quarantine == "list":
        wanted = ListFilter(
            args.clause, args.sender, args.recipient_domain, args.older_than, args.newer_than
        )
        print(_render_list(desk.list_held(wanted), desk.clock(), args.format))
        return 0
    if args.quarantine == "show":
        examination = desk.show(args.queue_id, with_body=args.body)
        print(_render_show(examination, args.format))
        return 0
    if args.quarantine == "delete":
        desk.delete(args.queue_id, by=args.by, reason=args.reason)
        print(f"{args.queue_id}: deleted")
        return 0
    outcome = desk.release(args.queue_id, by=args.by, reason=args.reason, override=args.override)
    if outcome.released:
        how = " (override)" if outcome.overridden else ""
        print(f"{args.queue_id}: released{how}; re-check: {outcome.recheck.action.value}")
        return 0
    print(
        f"{args.queue_id}: still held; the policy in force says "
        f"{outcome.recheck.action.value}: {_reasons(outcome.recheck)}\n"
        "Release it anyway with --override (recorded)."
    )
    return 1


def _audit_logger() -> Any:
    configure_command_logging()
    return structlog.get_logger("aduana")


def _reasons(verdict: Verdict) -> str:
    enforced = [f"{r.rule} ({r.clause})" for r in verdict.reasons if r.enforced]
    return "; ".join(enforced) or "-"


def _row(held: HeldMessage, now: datetime) -> dict[str, Any]:
    queued = held.queued
    age = now - queued.arrival
    return {
        "queue_id": queued.queue_id,
        "held_since": queued.arrival.isoformat(),
        "age": _age(age),
        "age_seconds": int(age.total_seconds()),
        "sender": queued.sender or "<>",
        "recipients": list(queued.recipients),
        "size": queued.size,
        "clauses": list(held.clauses),
        "rules": list(held.rules),
    }


def _render_list(held: list[HeldMessage], now: datetime, output: str) -> str:
    rows = [_row(h, now) for h in held]
    if output == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2)
    cells = [
        {c: ", ".join(r[c]) if isinstance(r[c], list) else str(r[c]) for c in _COLUMNS}
        for r in rows
    ]
    widths = {c: max([len(c), *(len(r[c]) for r in cells)]) for c in _COLUMNS}
    lines = ["  ".join(c.ljust(widths[c]) for c in _COLUMNS)]
    lines += ["  ".join(r[c].ljust(widths[c]) for c in _COLUMNS) for r in cells]
    return "\n".join(line.rstrip() for line in lines)


def _age(age: timedelta) -> str:
    minutes = int(age.total_seconds()) // 60
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    return f"{days}d{hours:02d}h" if days else f"{hours}h{minutes:02d}m"


def _render_show(examination: Examination, output: str) -> str:
    held = examination.held
    queued = held.queued
    document: dict[str, Any] = {
        "queue_id": queued.queue_id,
        "held_since": queued.arrival.isoformat(),
        "sender": queued.sender or "<>",
        "login": examination.login,
        "recipients": list(queued.recipients),
        "size": queued.size,
        "clauses": list(held.clauses),
        "rules": list(held.rules),
        "held_for": [
            {"rule": r.rule, "clause": r.clause, "detail": r.detail} for r in held.reasons
        ],
        "recheck": {
            "action": examination.recheck.action.value,
            "reasons": [
                {"rule": r.rule, "clause": r.clause, "detail": r.detail, "enforced": r.enforced}
                for r in examination.recheck.reasons
            ],
        },
        "headers": [[name, value] for name, value in examination.headers],
        "attachments": [
            {"filename": a.filename, "content_type": a.content_type, "size": a.size}
            for a in examination.attachments
        ],
    }
    if examination.body is not None:
        document["body"] = examination.body
    if output == "json":
        return json.dumps(document, ensure_ascii=False, indent=2)
    lines = [
        f"queue id:    {held.queued.queue_id}",
        f"held since:  {document['held_since']}",
        f"sender:      {document['sender']}  (login: {examination.login or '-'})",
        f"recipients:  {', '.join(held.queued.recipients)}",
        "held for:",
        *(f"  {r.clause}  {r.rule}  {r.detail}".rstrip() for r in held.reasons),
        f"re-check now: {examination.recheck.action.value}",
        *(
            f"  {r.clause}  {r.rule}  {r.detail}" + ("" if r.enforced else "  (not enforced)")
            for r in examination.recheck.reasons
        ),
        "attachments:",
        *(f"  {a.filename}  {a.content_type}  {a.size} bytes" for a in examination.attachments),
        "headers:",
        *(f"  {name}: {value}" for name, value in examination.headers),
    ]
    if examination.body is not None:
        lines += ["body:", examination.body]
    return "\n".join(lines)
