"""The ``aduana`` command: run | check-config | explain | approvals | report | accounts."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

from aduana import ledger_commands
from aduana.approvals_report import render_approvals
from aduana.config.errors import ConfigError
from aduana.explain import Submission, explain, verdict_as_json
from aduana.ledger import LedgerUnavailableError
from aduana.runtime import build_runtime


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
    explain_cmd.add_argument("--rcpt", action="append", required=True, help="envelope recipient")
    explain_cmd.add_argument("--declared-size", type=int, help="ESMTP SIZE= of MAIL FROM")
    explain_cmd.add_argument("message", type=Path, help="the message, as an .eml file")
    approvals = commands.add_parser("approvals", help="the register of written approvals")
    approvals_commands = approvals.add_subparsers(dest="approvals_command", required=True)
    listing = approvals_commands.add_parser("list", help="list approvals and their status")
    listing.add_argument("--config", type=Path, required=True)
    listing.add_argument("--on", type=date.fromisoformat, help="status on this date (YYYY-MM-DD)")
    listing.add_argument("--format", choices=("table", "json"), default="table")
    ledger_commands.add_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "run":
            from aduana.app import run

            return run(args.config)
        if args.command in ("report", "accounts"):
            return ledger_commands.run_command(args)
        if args.command == "approvals":
            settings = build_runtime(args.config).settings
            today = args.on or datetime.now(settings.zone).date()
            print(render_approvals(settings.approvals, today, args.format))
            return 0
        if args.command == "check-config":
            runtime = build_runtime(args.config)
            organisations = ", ".join(o.id for o in runtime.settings.organisations)
            print(f"{args.config}: OK (organisations: {organisations})")
            return 0
        runtime = build_runtime(args.config)
        submission = Submission(
            sender=args.sender,
            recipients=tuple(args.rcpt),
            message=args.message.read_bytes(),
            login=args.login,
            declared_size=args.declared_size,
        )
        verdict = explain(runtime, submission, time.time())
        print(json.dumps(verdict_as_json(verdict), ensure_ascii=False))
        return 0
    except ConfigError as error:
        for problem in error.problems:
            print(f"aduana: {problem}", file=sys.stderr)
        return 2
    except (OSError, LedgerUnavailableError) as error:
        print(f"aduana: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
