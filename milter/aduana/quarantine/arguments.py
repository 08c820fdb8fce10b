"""The arguments of ``aduana quarantine ...`` (argparse only: cli.py imports this eagerly)."""

from __future__ import annotations

import argparse
import re
from datetime import timedelta
from pathlib import Path

_DURATION = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNIT = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def duration(text: str) -> timedelta:
    match = _DURATION.match(text)
    if match is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration like 30m, 2h or 7d")
    return timedelta(**{_UNIT[match[2]]: int(match[1])})


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    quarantine = commands.add_parser("quarantine", help="the review desk over the hold queue")
    actions = quarantine.add_subparsers(dest="quarantine", required=True)
    listing = actions.add_parser("list", help="held messages, with the clauses that held them")
    listing.add_argument("--clause", help="only messages held under this clause, e.g. 'SRE 9.i'")
    listing.add_argument("--sender", help="only messages from this envelope sender")
    listing.add_argument("--recipient-domain", help="only messages with a recipient in it")
    listing.add_argument("--older-than", type=duration, help="held at least this long (2h, 7d)")
    listing.add_argument("--newer-than", type=duration, help="held less than this long")
    listing.add_argument("--format", choices=("table", "json"), default="table")
    show = actions.add_parser("show", help="one held message: reasons, headers, attachments")
    show.add_argument("queue_id")
    show.add_argument("--body", action="store_true", help="also print the text of the body")
    show.add_argument("--format", choices=("text", "json"), default="text")
    release = actions.add_parser("release", help="re-check and release a held message")
    delete = actions.add_parser("delete", help="delete a held message")
    for parser in (release, delete):
        parser.add_argument("queue_id")
        parser.add_argument("--by", required=True, help="who decides (for the record)")
        parser.add_argument("--reason", required=True, help="why (recorded, told to the sender)")
    release.add_argument(
        "--override", action="store_true", help="release even if the policy still holds it"
    )
    for parser in (listing, show, release, delete):
        parser.add_argument("--config", type=Path, required=True)
        parser.add_argument(
            "-c", dest="postfix_config_dir", type=Path,
            help="Postfix configuration directory (default: quarantine.postfix_config_dir)",
        )  # fmt: skip
