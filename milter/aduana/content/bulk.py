"""Inbound list and newsletter mail, recognised from its headers.

Signals: ``List-Id`` (RFC 2919), ``List-Unsubscribe`` (RFC 2369/8058) and
``Precedence: bulk | list | junk`` (a de-facto header that mailing-list
managers and bulk senders still set). Any one of them makes the message bulk,
so that it can be tagged and filed by the mail client.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class BulkSignal(StrEnum):
    LIST_ID = "list-id"
    LIST_UNSUBSCRIBE = "list-unsubscribe"
    PRECEDENCE_BULK = "precedence-bulk"
    PRECEDENCE_LIST = "precedence-list"
    PRECEDENCE_JUNK = "precedence-junk"


@dataclass(frozen=True)
class BulkResult:
    signals: frozenset[BulkSignal]
    list_id: str | None = None  # the <list.example.org> part, safe to put in a header

    @property
    def is_bulk(self) -> bool:
        return bool(self.signals)


_PRECEDENCE = {
    "bulk": BulkSignal.PRECEDENCE_BULK,
    "list": BulkSignal.PRECEDENCE_LIST,
    "junk": BulkSignal.PRECEDENCE_JUNK,
}
_LIST_ID = re.compile(r"<([A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,255})>")


def detect_bulk(headers: Iterable[tuple[str, str]]) -> BulkResult:
    """Look at (name, value) header pairs, in any case, as collected by the milter."""
    signals: set[BulkSignal] = set()
    list_id: str | None = None
    for name, value in headers:
        key = name.strip().lower()
        if key == "list-id":
            found = _LIST_ID.search(value)
            if found is not None:
                signals.add(BulkSignal.LIST_ID)
                list_id = list_id or found.group(1).lower()
        elif key == "list-unsubscribe" and value.strip():
            signals.add(BulkSignal.LIST_UNSUBSCRIBE)
        elif key == "precedence":
            words = value.lower().split()
            signal = _PRECEDENCE.get(words[0]) if words else None
            if signal is not None:
                signals.add(signal)
    return BulkResult(frozenset(signals), list_id)
