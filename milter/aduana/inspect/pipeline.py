"""The walk: every MIME entity, every decoded candidate, every archive member, once."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from typing import IO

from aduana.clock import Clock
from aduana.inspect import active, archives, filetype, names, office
from aduana.inspect.archives import ArchiveFormat, Member, detect_format
from aduana.inspect.binhex import BinHexError, decode_binhex, has_binhex
from aduana.inspect.budget import Budget, Content, MemberReader
from aduana.inspect.embedded import EmbeddedFile
from aduana.inspect.encryption import (
    CFB_MAGIC,
    PgpKind,
    cms_is_signed,
    cms_kind,
    odf_is_encrypted,
    office_encryption,
    pdf_reading,
    pgp_armor_kinds,
    pgp_binary_kind,
)
from aduana.inspect.limits import InspectionLimits
from aduana.inspect.mime import (
    ContentType,
    Data,
    Entity,
    Transfer,
    decode_transfer,
    decode_transfer_into,
    infer_boundary,
    parse_entity,
    split_multipart,
)
from aduana.inspect.model import (
    ActiveFinding,
    ActiveKind,
    Category,
    EncryptionFinding,
    EncryptionKind,
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
from aduana.inspect.part_boundary import read_part
from aduana.inspect.pdf import PdfReading
from aduana.inspect.tnef import is_tnef, tnef_attachments
from aduana.inspect.uuencode import find_uu_blocks

MESSAGE_TYPES = frozenset({"message/rfc822", "message/global"})
_PGP_TYPES = frozenset({"application/pgp-encrypted", "application/pgp"})
_TEXTUAL = frozenset({Category.TEXT, Category.SCRIPT, Category.ENCRYPTED})
_ENVELOPED = frozenset({"enveloped-data", "authenveloped-data"})


@dataclass(frozen=True, slots=True)
class _Origin:
    """Where a piece of content sits, and how deep."""

    path: str
    source: Source
    names: tuple[str, ...]
    declared: tuple[str, ...] = ()
    chain: tuple[PartLabel, ...] = ()
    disposition: str = ""
    variant: str = ""
    mime_depth: int = 0
    archive_depth: int = 0
    # A MIME body part: scan all of it for uuencode and inline PGP.
    text_scan: bool = False
    declared_message: bool = False


def _join(variant: str, label: str) -> str:
    return f"{variant}; {label}" if variant else label


def _child_path(path: str, index: int) -> str:
    return f"{path}.{index}" if path else str(index)


class _Inspector:
    """Mutable collector for one `inspect_message` call."""

    def __init__(self, limits: InspectionLimits, clock: Clock) -> None:
        self.limits = limits
        self.budget = Budget.start(limits, clock)
        self.parts: list[PartFacts] = []
        self.encryption: list[EncryptionFinding] = []
        self.problems: list[StructuralProblem] = []
        self.failed_reads: list[UninspectablePart] = []
        self.signed = False
        self.entities = 0
        self.active: list[ActiveFinding] = []
        # MIME paths of multipart/encrypted entities: their armoured payload is the
        # same encryption, not a second, inline one.
        self.encrypted_subtrees: list[str] = []

    def result(self, total_bytes: int) -> MessageInspection:
        return MessageInspection(
            parts=tuple(self.parts),
            encryption=tuple(self.encryption),
            limit_hits=tuple(self.budget.hits),
            problems=tuple(self.problems),
            signed=self.signed,
            total_bytes=total_bytes,
            failed_reads=tuple(self.failed_reads),
            active=tuple(self.active),
        )

    def problem(self, kind: ProblemKind, where: str, detail: str = "") -> None:
        found = StructuralProblem(kind, where, detail)
        if found not in self.problems:
            self.problems.append(found)

    def guarded(self, origin: _Origin, read: Callable[[], None]) -> None:
        """Read one part; if its reader raises, the part is uninspectable (part_boundary)."""
        shown = origin.names[0] if origin.names else UnnamedPart(origin.path)
        read_part(origin.path, shown, read, self.failed_reads, chain=origin.chain)

    def found_encryption(self, kind: EncryptionKind, where: str, detail: str = "") -> None:
        if all(f.kind is not kind or f.where != where for f in self.encryption):
            self.encryption.append(EncryptionFinding(kind, where, detail))

    def found_active(self, kind: ActiveKind, where: str, detail: str = "") -> None:
        found = ActiveFinding(kind, where, detail)
        if found not in self.active:
            self.active.append(found)

    # --- MIME -------------------------------------------------------------------------

    def entity(
        self,
        raw: Data,
        path: str,
        depth: int,
        variant: str,
        *,
        default_type: str = "text/plain",
        top: bool = False,
    ) -> None:
        where = path or "1"
        if depth > self.limits.max_mime_depth:
            self.budget.hit(LimitKind.MIME_DEPTH, where, f"más de {self.limits.max_mime_depth}")
            return
        self.entities += 1
        if self.entities > self.limits.max_mime_parts:
            self.budget.hit(LimitKind.MIME_PARTS, where, f"más de {self.limits.max_mime_parts}")
            return
        if self.budget.out_of_time(where):
            return
        entity = parse_entity(raw, skip_mbox_line=top)
        if top and not entity.has_headers:
            self.problem(ProblemKind.NO_HEADERS, where)
        if entity.separator_missing:
            self.problem(ProblemKind.MISSING_HEADER_SEPARATOR, where)
        if entity.header_comments:
            self.problem(ProblemKind.HEADER_COMMENT, where)
        declared = entity.content_types()
        readings = list(dict.fromkeys(declared)) or [ContentType(default_type, ())]
        if len(readings) > 1:
            self.problem(
                ProblemKind.DUPLICATE_CONTENT_TYPE, where, ", ".join(r.mime for r in readings)
            )
        declared_mimes = tuple(dict.fromkeys(d.mime for d in declared))
        for number, ctype in enumerate(readings, start=1):
            label = variant if len(readings) == 1 else _join(variant, f"content-type#{number}")
            if ctype.maintype == "multipart":
                self.multipart(entity, ctype, declared_mimes, path, depth, label)
            else:
                self.leaf(entity, ctype, declared_mimes, where, depth, label)

    def multipart(
        self,
        entity: Entity,
        ctype: ContentType,
        declared: tuple[str, ...],
        path: str,
        depth: int,
        variant: str,
    ) -> None:
        where = path or "1"
        subtype = ctype.mime.split("/", 1)[1]
        if subtype == "signed":
            self.signed = True
        if subtype == "encrypted":
            protocol = ctype.param("protocol") or ""
            self.found_encryption(EncryptionKind.PGP_MIME, where, protocol)
            self.encrypted_subtrees.append(path)
        child_type = "message/rfc822" if subtype == "digest" else "text/plain"
        readings = self.multipart_readings(entity, ctype, where)
        if not readings:
            inferred = infer_boundary(entity.body)
            if inferred is not None:
                split = split_multipart(entity.body, inferred)
                if split is not None:
                    readings.append((f"inferred-boundary={inferred}", split.parts))
            # A client that finds no parts shows the body as text: judge that too.
            self.leaf(
                entity,
                ContentType("text/plain", ()),
                declared,
                where,
                depth,
                _join(variant, "as-text"),
            )
        for label, parts in readings:
            for index, raw in enumerate(parts, start=1):
                self.entity(
                    raw,
                    _child_path(path, index),
                    depth + 1,
                    _join(variant, label) if label else variant,
                    default_type=child_type,
                )

    def multipart_readings(
        self, entity: Entity, ctype: ContentType, where: str
    ) -> list[tuple[str, tuple[Data, ...]]]:
        """Every way of splitting the body: per declared boundary, strict and lenient."""
        boundaries = ctype.params_named("boundary")
        if not boundaries:
            self.problem(ProblemKind.MISSING_BOUNDARY, where)
        if len(boundaries) > 1:
            self.problem(ProblemKind.DUPLICATE_BOUNDARY, where, ", ".join(boundaries))
        readings: list[tuple[str, tuple[Data, ...]]] = []
        for boundary in boundaries:
            label = f"boundary={boundary}" if len(boundaries) > 1 else ""
            strict = split_multipart(entity.body, boundary)
            if strict is None:
                self.problem(ProblemKind.BOUNDARY_NOT_FOUND, where, boundary)
                continue
            if not strict.terminated:
                self.problem(ProblemKind.UNTERMINATED_MULTIPART, where, boundary)
            if strict.parts_after_end:
                self.problem(ProblemKind.PARTS_AFTER_END, where, boundary)
            readings.append((label, strict.parts))
            lenient = split_multipart(entity.body, boundary, lenient=True)
            if lenient is not None and lenient.spans != strict.spans:
                self.problem(ProblemKind.LENIENT_BOUNDARY, where, boundary)
                readings.append((_join(label, "lenient-boundary"), lenient.parts))
        return readings

    def leaf(
        self,
        entity: Entity,
        ctype: ContentType,
        declared: tuple[str, ...],
        where: str,
        depth: int,
        variant: str,
    ) -> None:
        filenames = entity.filenames()
        if len({n.strip().lower() for n in filenames}) > 1:
            self.problem(ProblemKind.CONFLICTING_FILENAMES, where, " | ".join(filenames))
        self.declared_security(ctype, where)
        encodings = entity.transfer_encodings()
        if len(encodings) > 1:
            self.problem(ProblemKind.DUPLICATE_TRANSFER_ENCODING, where, ", ".join(encodings))
        for encoding in encodings:
            content, decoded = self.decode(entity.body, encoding)
            if not decoded.known:
                self.problem(ProblemKind.UNKNOWN_TRANSFER_ENCODING, where, encoding)
            if decoded.damaged:
                self.problem(ProblemKind.BAD_BASE64, where, encoding)
            origin = _Origin(
                path=where,
                source=Source.MIME_PART,
                names=filenames,
                declared=declared or (ctype.mime,),
                disposition=entity.disposition(),
                variant=variant if len(encodings) == 1 else _join(variant, f"cte={encoding}"),
                mime_depth=depth,
                text_scan=True,
                declared_message=ctype.mime in MESSAGE_TYPES,
            )
            try:
                self.guarded(origin, partial(self.content, content, origin))
            finally:
                content.close()

    def decode(self, body: Data, encoding: str) -> tuple[Content, Transfer]:
        """The decoded part; a large one is decoded a window at a time into a spooled
        file, so the message and its decoded copy are not both in memory."""
        head_bytes = self.limits.magic_head_bytes
        if len(body) <= self.limits.spool_threshold:
            decoded = decode_transfer(body, encoding)
            return Content.of(decoded.data, head_bytes), Transfer(decoded.known, decoded.damaged)
        # Owned by the returned Content, which `leaf` closes.
        spool = tempfile.SpooledTemporaryFile(max_size=self.limits.spool_threshold)  # noqa: SIM115
        transfer = decode_transfer_into(body, encoding, spool)
        return Content.spooled(spool, head_bytes), transfer

    def declared_security(self, ctype: ContentType, where: str) -> None:
        mime = ctype.mime
        if mime in ("application/pkcs7-mime", "application/x-pkcs7-mime"):
            smime_type = (ctype.param("smime-type") or "").lower()
            if smime_type in _ENVELOPED:
                self.found_encryption(EncryptionKind.SMIME_ENVELOPED, where, smime_type)
            elif smime_type == "signed-data":
                self.signed = True
        elif mime in (
            "application/pkcs7-signature",
            "application/x-pkcs7-signature",
            "application/pgp-signature",
        ):
            self.signed = True

    # --- content ----------------------------------------------------------------------

    def content(self, content: Content, origin: _Origin, mime: str | None = None) -> None:
        where = origin.path
        true_mime = mime or filetype.true_type(content.head)
        mime_now, category = filetype.classify_known(true_mime, origin.names)
        pdf = (
            pdf_reading(content.body)
            if content.body is not None and mime_now == "application/pdf"
            else None
        )
        encrypted = self.file_encryption(content, origin, mime_now, pdf)
        if encrypted and category is not Category.DOCUMENT:
            category = Category.ENCRYPTED
        if mime_now in _PGP_TYPES and pgp_armor_kinds(content.head) == {PgpKind.SIGNED}:
            category = Category.TEXT
        slot = len(self.parts)
        if not self.budget.stopped:
            mime_now, category = self.active_content(
                content, origin, mime_now, category, encrypted, pdf
            )
        fmt = detect_format(content.head)
        stopped = self.budget.stopped
        if fmt is not None and content.body is not None and not stopped:
            refined, archive_encrypted = self.archive(fmt, content, origin)
            encrypted = encrypted or archive_encrypted
            if refined is not None:
                mime_now, category = refined
        if not stopped and (is_tnef(content.head) or mime_now == "application/vnd.ms-tnef"):
            self.tnef(content, origin)
        full = self.full_text(content, origin, mime_now, category)
        if full is not None and not stopped:
            self.text_blocks(full, origin)
        if not stopped and has_binhex(full if full is not None else content.head):
            self.binhex(content, origin)
        if (origin.declared_message or mime_now == "message/rfc822") and not stopped:
            data = content.read_all(self.limits.max_total_bytes)
            if data is not None:
                self.entity(data, origin.path, origin.mime_depth + 1, origin.variant)
        facts = PartFacts(
            path=where,
            source=origin.source,
            filenames=origin.names,
            declared_types=origin.declared,
            true_type=mime_now,
            category=category,
            size=content.size,
            anomalies=self.anomalies(origin, category),
            archive_chain=origin.chain,
            disposition=origin.disposition,
            encrypted=encrypted,
            truncated=content.truncated,
            variant=origin.variant,
        )
        self.parts.insert(slot, facts)

    def anomalies(self, origin: _Origin, category: Category) -> tuple[NameAnomaly, ...]:
        found: set[NameAnomaly] = set()
        for name in origin.names:
            found |= names.name_anomalies(name)
        if names.names_disagree_with(origin.names, category) or _declared_disagrees(
            origin.declared, category
        ):
            found.add(NameAnomaly.TYPE_MISMATCH)
        return tuple(sorted(found))

    def file_encryption(
        self, content: Content, origin: _Origin, mime: str, pdf: PdfReading | None
    ) -> bool:
        """Encryption visible in the file's own bytes; True when the file is encrypted."""
        where = origin.path
        head = content.head
        encrypted = False
        cms = cms_kind(head)
        if cms is not None:
            self.found_encryption(cms, where)
            encrypted = True
        elif cms_is_signed(head):
            self.signed = True
        extensions = {names.extension_of(n) for n in origin.names}
        if mime in _PGP_TYPES or extensions & {"pgp", "gpg"}:
            binary = pgp_binary_kind(head)
            if binary is PgpKind.ENCRYPTED:
                self.found_encryption(EncryptionKind.PGP_INLINE, where, "binario")
                encrypted = True
            elif binary is PgpKind.SIGNED:
                self.signed = True
        if pdf is not None and pdf.encrypted:
            self.found_encryption(EncryptionKind.PDF, where)
            encrypted = True
        cfb = content.body is not None and head.startswith(CFB_MAGIC)
        office = office_encryption(content.body) if cfb and content.body is not None else None
        if office is not None:
            self.found_encryption(office, where)
            encrypted = True
        return encrypted

    def active_content(
        self,
        content: Content,
        origin: _Origin,
        mime: str,
        category: Category,
        encrypted: bool,
        pdf: PdfReading | None,
    ) -> tuple[str, Category]:
        """Macros, PDF JavaScript, HTML smuggling and scripts libmagic calls text; files
        embedded in documents are walked like archive members."""
        found = active.scan(
            content,
            mime,
            category,
            origin.names,
            attachment=origin.source is not Source.MIME_PART
            or bool(origin.names)
            or origin.disposition == "attachment",
            encrypted=encrypted,
            cap=self.limits.max_total_bytes,
            pdf_reading=pdf,
        )
        for kind, detail in found.findings:
            self.found_active(kind, origin.path, detail)
        for index, embedded in enumerate(found.embedded, start=1):
            self.embedded(embedded, index, origin)
        return found.mime, found.category

    def embedded(self, embedded: EmbeddedFile, index: int, parent: _Origin) -> None:
        where = f"{parent.path}#obj{index}"
        if parent.archive_depth + 1 > self.limits.max_archive_depth:
            self.budget.hit(
                LimitKind.DEPTH, where, f"más de {self.limits.max_archive_depth} niveles"
            )
            return
        if not self.budget.admit_member(where) or not self.budget.charge(len(embedded.data), where):
            return
        label = parent.names[0] if parent.names else UnnamedPart(parent.path)
        origin = _Origin(
            path=where,
            source=Source.EMBEDDED,
            names=(embedded.name,) if embedded.name else (),
            chain=(*parent.chain, label),
            variant=parent.variant,
            mime_depth=parent.mime_depth,
            archive_depth=parent.archive_depth + 1,
        )
        content = Content.of(embedded.data, self.limits.magic_head_bytes)
        try:
            self.content(content, origin)
        finally:
            content.close()

    def full_text(
        self, content: Content, origin: _Origin, mime: str, category: Category
    ) -> bytes | None:
        """Text that may hide uuencode or inline PGP: all of a MIME text part, the head
        of anything else textual. Embedded messages are walked instead."""
        if category not in _TEXTUAL or origin.declared_message or mime in MESSAGE_TYPES:
            return None
        if origin.text_scan:
            return content.read_all(self.limits.max_total_bytes)
        return content.head

    def text_blocks(self, text: bytes, origin: _Origin) -> None:
        for kind in pgp_armor_kinds(text):
            if kind is PgpKind.ENCRYPTED:
                if self.under_encrypted_mime(origin.path):
                    continue
                self.found_encryption(EncryptionKind.PGP_INLINE, origin.path)
            else:
                self.signed = True
        if not origin.text_scan:
            return
        blocks = find_uu_blocks(text, self.limits.max_uuencode_blocks)
        for index, block in enumerate(blocks, start=1):
            child = replace(
                origin,
                path=f"{origin.path}#uu{index}",
                source=Source.UUENCODE,
                names=(block.name,),
                declared=(),
                text_scan=False,
                declared_message=False,
            )
            block_content = Content.of(block.data, self.limits.magic_head_bytes)
            self.guarded(child, partial(self.content, block_content, child))

    def under_encrypted_mime(self, path: str) -> bool:
        return any(not p or path.startswith(p + ".") for p in self.encrypted_subtrees)

    def tnef(self, content: Content, origin: _Origin) -> None:
        data = content.read_all(self.limits.max_total_bytes)
        if data is None:
            return
        found = tnef_attachments(data, self.limits.max_tnef_attachments)
        if found.error:
            self.problem(ProblemKind.UNREADABLE_TNEF, origin.path, found.error)
        for index, attachment in enumerate(found.attachments, start=1):
            child = replace(
                origin,
                path=f"{origin.path}#tnef{index}",
                source=Source.TNEF,
                names=(attachment.name,) if attachment.name else (),
                declared=(),
                text_scan=False,
                declared_message=False,
            )
            attached = Content.of(attachment.data, self.limits.magic_head_bytes)
            self.guarded(child, partial(self.content, attached, child))

    def binhex(self, content: Content, origin: _Origin) -> None:
        data = content.read_all(self.limits.max_total_bytes)
        if data is None:
            return
        try:
            found = decode_binhex(data, self.limits.max_total_bytes - self.budget.bytes_used)
        except BinHexError as exc:
            self.problem(ProblemKind.UNREADABLE_BINHEX, origin.path, str(exc))
            return
        self.budget.charge(len(found.data_fork) + len(found.resource_fork), origin.path)
        forks = [found.data_fork] + ([found.resource_fork] if found.resource_fork else [])
        for index, fork in enumerate(forks, start=1):
            child = replace(
                origin,
                path=f"{origin.path}#hqx{index}",
                source=Source.BINHEX,
                names=(found.name,) if found.name else (),
                declared=(),
                text_scan=False,
                declared_message=False,
            )
            self.content(Content.of(fork, self.limits.magic_head_bytes), child)

    # --- archives ---------------------------------------------------------------------

    def archive(
        self, fmt: ArchiveFormat, content: Content, origin: _Origin
    ) -> tuple[tuple[str, Category] | None, bool]:
        """Read one archive; returns a refined type for zip-based formats and whether
        the archive itself is encrypted."""
        if origin.archive_depth + 1 > self.limits.max_archive_depth:
            self.budget.hit(
                LimitKind.DEPTH, origin.path, f"más de {self.limits.max_archive_depth} niveles"
            )
            return None, False
        assert content.body is not None
        label = origin.names[0] if origin.names else f"{fmt} {origin.path}"
        chain = (*origin.chain, label)

        def visit(member: Member, reader: MemberReader | None) -> None:
            self.member(member, reader, origin, chain)

        report = archives.read_archive(
            fmt,
            content.body,
            content.size,
            self.budget,
            origin.path,
            visit,
            inner_name=_inner_name(origin.names),
        )
        for kind in sorted(report.encryption):
            self.found_encryption(kind, origin.path)
        if fmt is ArchiveFormat.ZIP:
            self.zip_document(report.member_names, content, origin)
        for problem, detail in report.problems:
            self.problem(problem, origin.path, detail)
        headers_encrypted = bool(
            report.encryption & {EncryptionKind.SEVENZIP_HEADERS, EncryptionKind.RAR_HEADERS}
        )
        refined = filetype.refine_zip(report.member_names) if fmt is ArchiveFormat.ZIP else None
        return refined, headers_encrypted

    def zip_document(self, member_names: list[str], content: Content, origin: _Origin) -> None:
        """Macros an OOXML package declares by its members; ODF password protection."""
        for kind in sorted(office.ooxml_macros(member_names)):
            self.found_active(kind, origin.path)
        if content.body is not None and odf_is_encrypted(content.body):
            self.found_encryption(EncryptionKind.ODF, origin.path)

    def member(
        self,
        member: Member,
        reader: MemberReader | None,
        parent: _Origin,
        chain: tuple[PartLabel, ...],
    ) -> None:
        origin = _Origin(
            path=f"{parent.path}!{member.index}",
            source=Source.ARCHIVE_MEMBER,
            names=(member.name,) if member.name else (),
            chain=chain,
            variant=_join(parent.variant, member.reading) if member.reading else parent.variant,
            mime_depth=parent.mime_depth,
            archive_depth=parent.archive_depth + 1,
        )
        if reader is None:
            self.unreadable_member(member, origin)
            return
        self.guarded(origin, partial(self.read_member, reader, origin))

    def read_member(self, reader: MemberReader, origin: _Origin) -> None:
        head = reader.head(self.limits.magic_head_bytes)
        mime = filetype.true_type(head)
        keep = _needs_body(head, mime)
        content = reader.finish(head, keep)
        try:
            self.content(content, origin, mime)
        finally:
            content.close()

    def unreadable_member(self, member: Member, origin: _Origin) -> None:
        category = names.category_for_name(member.name) or Category.OTHER
        found: set[NameAnomaly] = set()
        for name in origin.names:
            found |= names.name_anomalies(name)
        self.parts.append(
            PartFacts(
                path=origin.path,
                source=origin.source,
                filenames=origin.names,
                declared_types=(),
                true_type="application/octet-stream",
                category=category,
                size=member.declared_size or 0,
                anomalies=tuple(sorted(found)),
                archive_chain=origin.chain,
                encrypted=member.encrypted,
                truncated=True,
                variant=origin.variant,
            )
        )


def _declared_disagrees(declared: tuple[str, ...], category: Category) -> bool:
    for mime in declared:
        claimed = filetype.category_for_mime(mime)
        if claimed is Category.OTHER or claimed is category:
            continue
        if not names.categories_compatible(claimed, category):
            return True
    return False


def _needs_body(head: bytes, mime: str) -> bool:
    """Content that must be kept whole to be judged: containers, PDF, CFB, mail, TNEF."""
    return (
        detect_format(head) is not None
        or head.startswith(CFB_MAGIC)
        or mime in ("application/pdf", "message/rfc822", "application/vnd.ms-tnef")
        or is_tnef(head)
    )


def _inner_name(outer: tuple[str, ...]) -> str:
    """report.tar.gz -> report.tar, as gzip/bzip2/xz users expect."""
    if not outer:
        return ""
    name = outer[0]
    for suffix, replacement in (
        (".tgz", ".tar"),
        (".tbz2", ".tar"),
        (".txz", ".tar"),
        (".gz", ""),
        (".bz2", ""),
        (".xz", ""),
    ):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)] + replacement
    return ""


def inspect_message(
    source: IO[bytes],
    limits: InspectionLimits | None = None,
    clock: Clock = time.monotonic,
) -> MessageInspection:
    """Every fact about a message: parts, true types, archives, encryption, limits.

    `source` is a seekable binary file holding the whole message (headers and body).
    Hostile input never raises here: parse failures become `problems`, limits become
    `limit_hits`.
    """
    source.seek(0)
    return inspect_bytes(source.read(), limits, clock)


def inspect_bytes(
    raw: bytes,
    limits: InspectionLimits | None = None,
    clock: Clock = time.monotonic,
) -> MessageInspection:
    """`inspect_message` for a message already in memory (tests, `aduana explain`)."""
    inspector = _Inspector(limits or InspectionLimits(), clock)
    # Every entity, body and part below is a view into `raw`, not a copy of it.
    inspector.entity(memoryview(raw), "", 0, "", top=True)
    return inspector.result(len(raw))
