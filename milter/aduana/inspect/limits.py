"""Hard limits that keep inspection of hostile mail fast and bounded in memory."""

from __future__ import annotations

from dataclasses import dataclass

MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class InspectionLimits:
    """Limits for one message. Counts and byte totals are per message, not per archive.

    - `max_archive_depth`: archives inside archives; the outermost archive is depth 1.
    - `max_members`: archive members (all archives together).
    - `max_total_bytes`: uncompressed bytes read from archives (all together).
    - `max_ratio`: uncompressed / compressed size of one member, enforced once the
      member is bigger than `ratio_min_bytes` (small files of spaces compress well).
    - `time_budget`: seconds for the whole message, measured with the injected clock.
    - `max_mime_depth` / `max_mime_parts`: nesting and number of MIME entities.
    - `spool_threshold`: bytes of one member kept in memory before spilling to disk.
    - `magic_head_bytes`: bytes handed to libmagic to find the true type.
    - `max_uuencode_blocks` / `max_tnef_attachments`: per text part / per TNEF blob.
    """

    max_archive_depth: int = 4
    max_members: int = 1000
    max_total_bytes: int = 200 * MIB
    max_ratio: float = 100.0
    ratio_min_bytes: int = 1 * MIB
    time_budget: float = 5.0
    max_mime_depth: int = 30
    max_mime_parts: int = 1000
    spool_threshold: int = 1 * MIB
    magic_head_bytes: int = 256 * 1024
    max_uuencode_blocks: int = 50
    max_tnef_attachments: int = 200
