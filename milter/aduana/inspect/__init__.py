"""Inspection: bytes in, frozen facts out. Pure and deterministic, no config, no logging.

inspect_message(source, limits, clock) -> MessageInspection
classify_bytes(data) -> (true MIME type, Category)
"""

from aduana.inspect.filetype import classify_bytes
from aduana.inspect.limits import InspectionLimits
from aduana.inspect.model import (
    MALFORMED_KINDS,
    UNINSPECTABLE_KINDS,
    ActiveFinding,
    ActiveKind,
    Category,
    EncryptionFinding,
    EncryptionKind,
    LimitHit,
    LimitKind,
    MessageInspection,
    NameAnomaly,
    PartFacts,
    PartLabel,
    ProblemKind,
    Source,
    StructuralProblem,
    UninspectablePart,
    UnnamedPart,
)
from aduana.inspect.pipeline import inspect_bytes, inspect_message

__all__ = [
    "MALFORMED_KINDS",
    "UNINSPECTABLE_KINDS",
    "ActiveFinding",
    "ActiveKind",
    "Category",
    "EncryptionFinding",
    "EncryptionKind",
    "InspectionLimits",
    "LimitHit",
    "LimitKind",
    "MessageInspection",
    "NameAnomaly",
    "PartFacts",
    "PartLabel",
    "ProblemKind",
    "Source",
    "StructuralProblem",
    "UninspectablePart",
    "UnnamedPart",
    "classify_bytes",
    "inspect_bytes",
    "inspect_message",
]
