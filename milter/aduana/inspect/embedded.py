"""A file found inside a document, handed back to the pipeline to be judged like any
other part (true type, names, archives, encryption)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class EmbeddedFile:
    name: str
    data: bytes
