"""The ``aduana`` command: run, check-config, explain, approvals, report, accounts, quarantine."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

from aduana.quarantine.arguments import add_commands as add_quarantine_commands

# Commands import what they need when they run: the inspection workers are started
# by re-importing this module (multiprocessing's spawn), and must not load it all.


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aduana", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run the milter daemon")
    run.add_argument("--config", type=Path, required=True)
    check = commands.add_parser("check-config", help="validate a configuration and exit")
    check.add_argument("--config", type=Path, required=True)
    explain_cmd = commands.add_parser("explain", help="judge a message file offline")
    explain_cmd.add_argument("--config", type=Path, required=True)
    explain_cmd.add_argument("--sender", required=True, help="envelope sender ('' for <>)")
    explain_cmd.add_argument("--login", help="SMTP AUTH login, if authenticated")
    explain_cmd.add_argument(
        "--client-address",
        help="the SMTP client's IP address, as the MTA reports it; "
        "without one the mail comes from the internet, as in the daemon",
    )
    explain_cmd.add_argument("--rcpt", action="append", required=True, help="envelope recipient")
    explain_cmd.add_argument("--declared-size", type=int, help="ESMTP SIZE= of MAIL FROM")
    explain_cmd.add_argument("message", type=Path, help="the message, as an .eml file")
    approvals = commands.add_parser("approvals", help="the register of written approvals")
    approvals_commands = approvals.add_subparsers(dest="approvals_command", required=True)
    listing = approvals_commands.add_parser("list", help="list approvals and their status")
    listing.add_argument("--config", type=Path, required=True)
    listing.add_argument("--on", type=date.fromisoformat, help="status on this date (YYYY-MM-DD)")
    listing.add_argument("--format", choices=("table", "json"), default="table")
    _add_ledger_commands(commands)
    add_quarantine_commands(commands)
    return parser


def _add_ledger_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    report = commands.add_parser("report", help="reports from the activity and violation ledger")
    reports = report.add_subparsers(dest="report", required=True)
    inactive = reports.add_parser("inactive", help="accounts with no authenticated send")
    inactive.add_argument("--days", type=int, default=180)
    inactive.add_argument(
        "--notify", action="store_true", help="send each unit head the list for their unit"
    )
    violations = reports.add_parser("violations", help="enforced refusals by account/unit/clause")
    violations.add_argument(
        "--since", type=date.fromisoformat, help="YYYY-MM-DD (default: 30 days ago)"
    )
    violations.add_argument("--until", type=date.fromisoformat, help="YYYY-MM-DD, exclusive")
    approvals = reports.add_parser("approvals", help="written approvals: status, expiry, uses")
    approvals.add_argument("--on", type=date.fromisoformat, help="status on this date")
    for parser in (inactive, violations, approvals):
        parser.add_argument("--config", type=Path, required=True)
        parser.add_argument("--format", choices=("csv", "json"), default="csv")
    accounts = commands.add_parser("accounts", help="sending suspensions (sanctions)")
    actions = accounts.add_subparsers(dest="accounts", required=True)
    suspended = actions.add_parser("suspended", help="list accounts whose sending is suspended")
    unsuspend = actions.add_parser("unsuspend", help="lift a sending suspension")
    unsuspend.add_argument("address")
    unsuspend.add_argument("--by", required=True, help="who lifts it (for the record)")
    for parser in (suspended, unsuspend):
        parser.add_argument("--config", type=Path, required=True)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from aduana.config.errors import ConfigError
    from aduana.ledger import LedgerUnavailableError

    try:
        return _dispatch(args)
    except ConfigError as error:
        for problem in error.problems:
            print(f"aduana: {problem}", file=sys.stderr)
        return 2
    except (OSError, LedgerUnavailableError) as error:
        print(f"aduana: {error}", file=sys.stderr)
        return 2


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "run":
        from aduana.app import run

        return run(args.config)
    if args.command == "quarantine":
        from aduana.quarantine import commands

        return commands.run_command(args)
    if args.command in ("report", "accounts"):
        from aduana.commands import ledger_commands

        return ledger_commands.run_command(args)
    from aduana.gateway.runtime import build_runtime

    runtime = build_runtime(args.config)
    if args.command == "approvals":
        from aduana.commands.approvals_report import render_approvals

        today = args.on or datetime.now(runtime.settings.zone).date()
        print(render_approvals(runtime.settings.approvals, today, args.format))
        return 0
    if args.command == "check-config":
        organisations = ", ".join(o.id for o in runtime.settings.organisations)
        print(f"{args.config}: OK (organisations: {organisations})")
        return 0
    from aduana.commands.explain import Submission, explain, verdict_as_json

    submission = Submission(
        sender=args.sender,
        recipients=tuple(args.rcpt),
        message=args.message.read_bytes(),
        login=args.login,
        client_address=args.client_address,
        declared_size=args.declared_size,
    )
    verdict = explain(runtime, submission, time.time())
    print(json.dumps(verdict_as_json(verdict), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
