"""Facts the inspection layer produces: frozen data, nothing downstream touches raw bytes."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Category(StrEnum):
    """What a file really is, as admins configure it."""

    EXECUTABLE = "executable"
    SCRIPT = "script"
    ARCHIVE = "archive"
    AUDIO = "audio"
    VIDEO = "video"
    IMAGE = "image"
    DOCUMENT = "document"
    ENCRYPTED = "encrypted"
    TEXT = "text"
    OTHER = "other"


class Source(StrEnum):
    """Where a piece of content was found."""

    MIME_PART = "mime_part"
    UUENCODE = "uuencode"
    TNEF = "tnef"
    ARCHIVE_MEMBER = "archive_member"
    BINHEX = "binhex"
    EMBEDDED = "embedded"
    """A file inside a document: an OLE Package object, a PDF attachment."""


class NameAnomaly(StrEnum):
    """A filename trick; each one is a reason on its own."""

    DOUBLE_EXTENSION = "double_extension"
    TRAILING_DOT_OR_SPACE = "trailing_dot_or_space"
    BIDI_CONTROL = "bidi_control"
    TYPE_MISMATCH = "type_mismatch"


class EncryptionKind(StrEnum):
    ZIP_ZIPCRYPTO = "zip_zipcrypto"
    ZIP_AES = "zip_aes"
    SEVENZIP = "7z"
    SEVENZIP_HEADERS = "7z_headers"
    RAR = "rar"
    RAR_HEADERS = "rar_headers"
    PDF = "pdf"
    OFFICE = "office"
    OFFICE_IRM = "office_irm"
    ODF = "odf"
    PGP_MIME = "pgp_mime"
    PGP_INLINE = "pgp_inline"
    SMIME_ENVELOPED = "smime_enveloped"


class LimitKind(StrEnum):
    """A hard limit that stopped inspection; hitting one is a reason on its own."""

    DEPTH = "depth"
    MEMBERS = "members"
    TOTAL_BYTES = "total_bytes"
    RATIO = "ratio"
    TIME = "time"
    MIME_DEPTH = "mime_depth"
    MIME_PARTS = "mime_parts"


class ProblemKind(StrEnum):
    """Something odd about the structure of the message or of a file in it.

    (Not `config.errors.Problem`, a mistake in a configuration file, nor
    `content.extract.TextProblem`, why a part gave no text.)"""

    # The message cannot be read the way its headers say: `MessageInspection.malformed`.
    NO_HEADERS = "no_headers"
    MISSING_BOUNDARY = "missing_boundary"
    BOUNDARY_NOT_FOUND = "boundary_not_found"
    # Tolerated, but worth knowing; ambiguous cases are inspected under every reading.
    UNTERMINATED_MULTIPART = "unterminated_multipart"
    PARTS_AFTER_END = "parts_after_end"
    LENIENT_BOUNDARY = "lenient_boundary"
    DUPLICATE_BOUNDARY = "duplicate_boundary"
    DUPLICATE_CONTENT_TYPE = "duplicate_content_type"
    DUPLICATE_TRANSFER_ENCODING = "duplicate_transfer_encoding"
    CONFLICTING_FILENAMES = "conflicting_filenames"
    UNKNOWN_TRANSFER_ENCODING = "unknown_transfer_encoding"
    BAD_BASE64 = "bad_base64"
    MISSING_HEADER_SEPARATOR = "missing_header_separator"
    UNREADABLE_ARCHIVE = "unreadable_archive"
    UNREADABLE_TNEF = "unreadable_tnef"
    UNREADABLE_BINHEX = "unreadable_binhex"
    MEMBER_NOT_EXTRACTED = "member_not_extracted"
    # The zip's local headers and its central directory list different files.
    ZIP_HEADERS_DISAGREE = "zip_headers_disagree"
    # A header with an RFC 822 comment where clients read it differently.
    HEADER_COMMENT = "header_comment"


class ActiveKind(StrEnum):
    """Active content inside a document or page (SRE 9.e): code that runs when opened."""

    VBA_MACRO = "vba_macro"
    XLM_MACRO = "xlm_macro"
    PDF_JAVASCRIPT = "pdf_javascript"
    HTML_SMUGGLING = "html_smuggling"
    # A document whose active content could not be checked (the reader failed on it).
    UNCHECKED = "unchecked"


MALFORMED_KINDS = frozenset(
    {ProblemKind.NO_HEADERS, ProblemKind.MISSING_BOUNDARY, ProblemKind.BOUNDARY_NOT_FOUND}
)
# A container or part that could not be opened: `MessageInspection.uninspectable`.
UNINSPECTABLE_KINDS = frozenset(
    {
        ProblemKind.UNREADABLE_ARCHIVE,
        ProblemKind.UNREADABLE_TNEF,
        ProblemKind.MEMBER_NOT_EXTRACTED,
        ProblemKind.UNREADABLE_BINHEX,
    }
)


@dataclass(frozen=True, slots=True)
class UnnamedPart:
    """A part without a file name, known by where it sits: the layer that writes the
    reply renders it in the reply's language (template ``unnamed_part``), followed by
    `content_type` in parentheses when there is one."""

    path: str
    content_type: str = ""


PartLabel = str | UnnamedPart
"""How a user knows a part: its file name, or an `UnnamedPart`."""


@dataclass(frozen=True, slots=True)
class PartFacts:
    """One leaf of the message: a MIME part, a uuencoded block, a TNEF attachment or an
    archive member.

    `path` is the MIME path ("1.2"), extended with "#uuN", "#tnefN" or "!N" (archive
    member index) for content found inside a part. `archive_chain` names the enclosing
    archives, outermost first. `variant` says which reading of an ambiguous message
    produced this part ("" when there is only one).
    """

    path: str
    source: Source
    filenames: tuple[str, ...]
    declared_types: tuple[str, ...]
    true_type: str
    category: Category
    size: int
    anomalies: tuple[NameAnomaly, ...] = ()
    archive_chain: tuple[PartLabel, ...] = ()
    disposition: str = ""
    encrypted: bool = False
    truncated: bool = False
    variant: str = ""


@dataclass(frozen=True, slots=True)
class EncryptionFinding:
    kind: EncryptionKind
    where: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class ActiveFinding:
    kind: ActiveKind
    where: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class LimitHit:
    kind: LimitKind
    where: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class StructuralProblem:
    kind: ProblemKind
    where: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class UninspectablePart:
    """A part whose reader raised: it could not be judged, so the policy decides.

    `name` is the part as the user knows it, `chain` the containers it sits in,
    outermost first. `error` names the exception type only (its message may quote
    the content).
    """

    where: str
    name: PartLabel
    error: str
    chain: tuple[PartLabel, ...] = ()


@dataclass(frozen=True, slots=True)
class MessageInspection:
    parts: tuple[PartFacts, ...]
    encryption: tuple[EncryptionFinding, ...]
    limit_hits: tuple[LimitHit, ...]
    problems: tuple[StructuralProblem, ...]
    signed: bool
    total_bytes: int
    failed_reads: tuple[UninspectablePart, ...] = ()
    """Parts whose reader raised (inspect/part_boundary.py)."""
    active: tuple[ActiveFinding, ...] = ()

    @property
    def malformed(self) -> bool:
        """True when the message cannot be read the way its own headers describe it."""
        return any(p.kind in MALFORMED_KINDS for p in self.problems)

    @property
    def uninspectable(self) -> tuple[StructuralProblem, ...]:
        """Containers and parts that could not be opened: never passed as clean.
        (Parts whose reader raised are `failed_reads`; the policy judges both.)"""
        return tuple(p for p in self.problems if p.kind in UNINSPECTABLE_KINDS)

    @property
    def encrypted(self) -> bool:
        return bool(self.encryption)
