"""The X-Aduana-Hold header: which rules and clauses held a message, carried by the message.

aduana adds it to every message it puts in the hold queue, so the queue file
itself says why it is there, even on a node whose ledger never saw it. The
header can be trusted: aduana removes X-Aduana-* headers that arrive from
outside. Header values must be ASCII, so clauses are folded ("Cancelación" ->
"Cancelacion"); compare clauses with :func:`clause_key`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from aduana.config.templates import ascii_fold
from aduana.policy.verdict import Reason

HOLD_HEADER = "X-Aduana-Hold"
_ENTRY = re.compile(r"\s*(?P<rule>[^\s;()]+)\s*\((?P<clause>[^;]*)\)\s*")


@dataclass(frozen=True)
class HeldFor:
    """One reason a message was held: the rule and the policy clause it enforces."""

    rule: str
    clause: str


def clause_key(clause: str) -> str:
    """Clauses compare without case and accents: 'edomex cancelacion' == 'EDOMEX Cancelación'."""
    return " ".join(ascii_fold(clause).casefold().split())


def hold_header(reasons: Iterable[Reason]) -> tuple[str, str]:
    """The header for the enforced reasons that asked for quarantine."""
    entries = dict.fromkeys(f"{r.rule} ({ascii_fold(r.clause)})" for r in reasons)
    return HOLD_HEADER, "; ".join(entries)


def parse_hold_header(value: str) -> tuple[HeldFor, ...]:
    """The entries of a header value; anything that is not ``rule (clause)`` is skipped."""
    found: list[HeldFor] = []
    for part in value.split(";"):
        match = _ENTRY.fullmatch(part)
        if match is not None:
            found.append(HeldFor(match["rule"], match["clause"].strip()))
    return tuple(found)
