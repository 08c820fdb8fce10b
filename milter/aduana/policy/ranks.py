"""Where a rank stands on an organisation's ladder, and the ladder entry that applies to it."""

from __future__ import annotations

from collections.abc import Sequence

from aduana.config.schema import Entry, Organisation


def rank_index(org: Organisation, rank: str) -> int | None:
    try:
        return org.ranks.index(rank)
    except ValueError:
        return None


def for_rank(org: Organisation, entries: Sequence[Entry], rank: str | None) -> Entry | None:
    """The ladder entry for a rank; an unknown rank gets the lowest rank's entry."""
    index = rank_index(org, rank) if rank is not None else None
    index = 0 if index is None else index
    for entry in entries:
        if entry.up_to_rank is None or index <= (rank_index(org, entry.up_to_rank) or 0):
            return entry
    return entries[-1] if entries else None
