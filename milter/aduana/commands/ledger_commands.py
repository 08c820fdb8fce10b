"""``aduana report ...`` and ``aduana accounts ...``: the ledger, for administrators."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime, time, timedelta

import structlog
from prometheus_client import CollectorRegistry

from aduana.commands.approvals_usage import approvals_usage, render_usage
from aduana.commands.unit_notices import inactive_notices
from aduana.config.loader import Settings
from aduana.directory.account import (
    AccountLister,
    DirectoryQueryError,
    DirectoryUnavailableError,
)
from aduana.gateway.notices import Notifier, spool_dir
from aduana.gateway.runtime import Runtime, build_runtime
from aduana.ledger import (
    InactiveRow,
    SendingSuspensions,
    inactive_report,
    render_csv,
    render_json,
    violations_report,
)
from aduana.ledger.backends import (
    LedgerStore,
    last_send_ledger,
    open_ledger,
    open_review_ledger,
)
from aduana.observability.logging import configure_command_logging
from aduana.observability.metrics import Metrics


def run_command(args: argparse.Namespace) -> int:
    runtime = build_runtime(args.config)
    settings = runtime.settings
    now = datetime.now(UTC)
    ledger = open_ledger(settings)
    try:
        if args.command == "accounts":
            return _accounts(args, ledger, now)
        render = render_json if args.format == "json" else render_csv
        if args.report == "inactive":
            return _inactive(args, runtime, ledger, now)
        if args.report == "approvals":
            today = args.on or now.astimezone(settings.zone).date()
            review = open_review_ledger(settings)
            try:
                rows = approvals_usage(settings.approvals, review.approval_uses(), today)
            finally:
                review.close()
            print(render_usage(rows, args.format), end="")
            return 0
        until = _midnight(args.until) if args.until else now
        since = _midnight(args.since) if args.since else until - timedelta(days=30)
        print(render(violations_report(ledger.query(since, until), since, until)), end="")
        return 0
    finally:
        ledger.close()


def _inactive(
    args: argparse.Namespace, runtime: Runtime, ledger: LedgerStore, now: datetime
) -> int:
    directory = runtime.directory
    if not isinstance(directory, AccountLister):
        print("aduana: the inactive report needs a directory that can list its accounts")
        return 2
    try:
        accounts = directory.accounts()
    except (DirectoryUnavailableError, DirectoryQueryError) as error:
        print(f"aduana: cannot list the directory's accounts: {error}", file=sys.stderr)
        return 2
    activity = last_send_ledger(runtime.settings, ledger).all_last_activity()
    rows = inactive_report(accounts, activity, now, args.days)
    render = render_json if args.format == "json" else render_csv
    print(render(rows), end="")
    if args.notify:
        return _notify_unit_heads(runtime.settings, rows, args.days)
    return 0


def _notify_unit_heads(settings: Settings, rows: list[InactiveRow], days: int) -> int:
    configure_command_logging()
    logger = structlog.get_logger("aduana")
    planned = inactive_notices(settings, rows, days)
    notifier = Notifier(
        settings.daemon.notices, spool_dir(settings), Metrics.create(CollectorRegistry()), logger
    )
    try:
        for notice in planned.notices:
            notifier.send(notice)
        # What the MTA does not take now stays queued; the daemon sends it later.
        notifier.flush()
    finally:
        notifier.close()
    for organisation, unit in planned.unheaded:
        print(
            f"aduana: nobody to tell about unit {unit!r} of {organisation}:"
            " set notices.unit_admins or notices.admin",
            file=sys.stderr,
        )
    return 0


def _accounts(args: argparse.Namespace, ledger: LedgerStore, now: datetime) -> int:
    suspensions = SendingSuspensions(ledger)
    if args.accounts == "suspended":
        for s in suspensions.list_active():
            print(f"{s.address}\t{s.since.isoformat()}\t{s.by_rule}\t{s.reason}")
        return 0
    lifted = suspensions.reverse(args.address, args.by, now)
    if lifted is None:
        print(f"aduana: {args.address} has no active sending suspension")
        return 1
    print(f"{lifted.address}: suspension of {lifted.since.isoformat()} lifted by {args.by}")
    return 0


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), UTC)
