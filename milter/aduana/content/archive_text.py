"""The readable text inside archives, for the content and DLP rules.

A RESERVADO note or a CSV of CURPs inside a zip leaving the institution must be
judged like the same text attached on its own. Archives are read with the
inspection's own readers (`aduana.inspect.archives`, one reader per format) under
the same kind of budget: depth, members, uncompressed bytes, ratio and time. The
members read are the ones a person would read: text and documents (what
`message_text` reads as attachments), and archives inside archives.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from aduana.clock import Clock
from aduana.content.extract import TextLimits, extract_text
from aduana.inspect import Category, InspectionLimits, filetype
from aduana.inspect.archives import ArchiveFormat, Member, detect_format, read_archive
from aduana.inspect.budget import Budget, Content, MemberReader

_READABLE = (Category.DOCUMENT, Category.TEXT)


@dataclass
class _Collected:
    """Texts found so far, and how many characters they hold."""

    max_chars: int
    texts: list[str] = field(default_factory=list)
    chars: int = 0

    @property
    def full(self) -> bool:
        return self.chars >= self.max_chars

    def add(self, text: str) -> None:
        if text and not self.full:
            self.texts.append(text)
            self.chars += len(text)


def archive_text(
    data: bytes,
    fmt: ArchiveFormat,
    name: str,
    limits: InspectionLimits,
    text_limits: TextLimits,
    clock: Clock,
) -> list[str]:
    """Texts of the readable members of the archive `data`, nested archives included."""
    budget = Budget.start(replace(limits, time_budget=text_limits.max_seconds), clock)
    collected = _Collected(text_limits.max_chars)
    _read(Content.of(data, limits.magic_head_bytes), fmt, name, 1, budget, text_limits, collected)
    return collected.texts


def _read(
    content: Content,
    fmt: ArchiveFormat,
    name: str,
    depth: int,
    budget: Budget,
    text_limits: TextLimits,
    collected: _Collected,
) -> None:
    if depth > budget.limits.max_archive_depth or content.body is None:
        return

    def visit(member: Member, reader: MemberReader | None) -> None:
        if reader is None or collected.full or budget.stopped:
            return
        head = reader.head(budget.limits.magic_head_bytes)
        mime, category = filetype.classify_known(filetype.true_type(head), [member.name])
        inner = detect_format(head) if category not in _READABLE else None
        if inner is None and category not in _READABLE:
            return
        found = reader.finish(head, keep=True)
        try:
            if inner is not None:
                _read(found, inner, member.name, depth + 1, budget, text_limits, collected)
                return
            data = found.read_all(text_limits.max_member_bytes)
            if data is not None:
                collected.add(extract_text(mime, data, text_limits, clock=budget.clock).text)
        finally:
            found.close()

    inner_name = name[: -len(name.rsplit(".", 1)[-1]) - 1] if "." in name else ""
    read_archive(fmt, content.body, content.size, budget, "1", visit, inner_name=inner_name)


def archive_format(head: bytes) -> ArchiveFormat | None:
    """The archive format of an attachment that is not itself a document (a docx is
    a zip too, and is read as a document)."""
    _, category = filetype.classify_known(filetype.true_type(head))
    return detect_format(head) if category not in _READABLE else None
