"""``aduana report ...`` and ``aduana accounts ...``: the ledger, for administrators."""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime, time, timedelta

from aduana.directory.file import FileDirectory
from aduana.ledger import (
    SendingSuspensions,
    inactive_report,
    render_csv,
    render_json,
    violations_report,
)
from aduana.ledger.activity_backend import LedgerStore, activity_ledger, open_ledger
from aduana.runtime import build_runtime


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
            if not isinstance(runtime.directory, FileDirectory):
                print("aduana: the inactive report needs a directory that can list its accounts")
                return 2
            activity = activity_ledger(settings, ledger).all_last_activity()
            rows = inactive_report(runtime.directory.accounts(), activity, now, args.days)
            print(render(rows), end="")
            return 0
        until = _midnight(args.until) if args.until else now
        since = _midnight(args.since) if args.since else until - timedelta(days=30)
        print(render(violations_report(ledger.query(since, until), since, until)), end="")
        return 0
    finally:
        ledger.close()


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
