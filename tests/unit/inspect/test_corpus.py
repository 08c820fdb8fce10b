"""Every technique in the corpus yields the facts a rule needs; look-alikes stay clean."""

from __future__ import annotations

import pytest

from aduana.inspect import (
    Category,
    EncryptionKind,
    LimitKind,
    MessageInspection,
    NameAnomaly,
    Source,
)
from tests.corpus.generate import CASES

BLOCKED = {
    Category.EXECUTABLE,
    Category.SCRIPT,
    Category.AUDIO,
    Category.VIDEO,
    Category.ENCRYPTED,
}

# case -> category that must be found somewhere in the message
CATEGORY_CASES = {
    "rfc822_base64": Category.EXECUTABLE,
    "broken_boundary": Category.EXECUTABLE,
    "missing_boundary": Category.EXECUTABLE,
    "duplicate_boundary": Category.EXECUTABLE,
    "unterminated_multipart": Category.EXECUTABLE,
    "uuencode": Category.EXECUTABLE,
    "tnef": Category.EXECUTABLE,
    "rfc2231_name": Category.EXECUTABLE,
    "rfc2047_name": Category.EXECUTABLE,
    "raw_utf8_name": Category.EXECUTABLE,
    "bare_lf": Category.EXECUTABLE,
    "junk_base64": Category.EXECUTABLE,
    "duplicate_cte": Category.EXECUTABLE,
    "duplicate_filename": Category.SCRIPT,
    "double_extension": Category.EXECUTABLE,
    "trailing_dot": Category.EXECUTABLE,
    "bidi_override": Category.EXECUTABLE,
    "declared_mismatch": Category.EXECUTABLE,
    "pe_exe": Category.EXECUTABLE,
    "elf": Category.EXECUTABLE,
    "lnk": Category.SCRIPT,
    "script_js": Category.SCRIPT,
    "mp3": Category.AUDIO,
    "mp4": Category.VIDEO,
    "zip_exe": Category.EXECUTABLE,
    "7z_exe": Category.EXECUTABLE,
    "rar_exe": Category.EXECUTABLE,
    "tar_gz_exe": Category.EXECUTABLE,
    "tar_bz2_exe": Category.EXECUTABLE,
    "tar_xz_exe": Category.EXECUTABLE,
    "gzip_exe": Category.EXECUTABLE,
    "bz2_exe": Category.EXECUTABLE,
    "xz_exe": Category.EXECUTABLE,
    "nested_zip_3": Category.EXECUTABLE,
}

ENCRYPTION_CASES = {
    "zip_zipcrypto": EncryptionKind.ZIP_ZIPCRYPTO,
    "zip_aes": EncryptionKind.ZIP_AES,
    "7z_encrypted": EncryptionKind.SEVENZIP,
    "7z_headers": EncryptionKind.SEVENZIP_HEADERS,
    "rar_encrypted": EncryptionKind.RAR,
    "rar_headers": EncryptionKind.RAR_HEADERS,
    "rar5_headers": EncryptionKind.RAR_HEADERS,
    "pdf_encrypted": EncryptionKind.PDF,
    "office_encrypted": EncryptionKind.OFFICE,
    "doc_encrypted": EncryptionKind.OFFICE,
    "pgp_mime": EncryptionKind.PGP_MIME,
    "pgp_inline": EncryptionKind.PGP_INLINE,
    "smime_enveloped": EncryptionKind.SMIME_ENVELOPED,
    "smime_no_param": EncryptionKind.SMIME_ENVELOPED,
}

ANOMALY_CASES = {
    "rfc2231_name": NameAnomaly.DOUBLE_EXTENSION,
    "double_extension": NameAnomaly.DOUBLE_EXTENSION,
    "trailing_dot": NameAnomaly.TRAILING_DOT_OR_SPACE,
    "bidi_override": NameAnomaly.BIDI_CONTROL,
    "declared_mismatch": NameAnomaly.TYPE_MISMATCH,
    "duplicate_filename": NameAnomaly.TYPE_MISMATCH,
}

LIMIT_CASES = {
    "nested_zip_6": LimitKind.DEPTH,
    "zip_bomb": LimitKind.RATIO,
    "many_members": LimitKind.MEMBERS,
}

BENIGN = [case.name for case in CASES if case.benign]


def _categories(result: MessageInspection) -> set[Category]:
    return {part.category for part in result.parts}


def test_every_case_has_an_expectation() -> None:
    """The corpus and the tables below cannot drift apart silently."""
    covered = set(CATEGORY_CASES) | set(ENCRYPTION_CASES) | set(LIMIT_CASES) | set(BENIGN)
    assert {case.name for case in CASES} == covered


@pytest.mark.parametrize(("case", "category"), CATEGORY_CASES.items())
def test_finds_the_true_category_however_the_message_is_built(
    inspected: dict[str, MessageInspection], case: str, category: Category
) -> None:
    assert category in _categories(inspected[case])


@pytest.mark.parametrize(("case", "kind"), ENCRYPTION_CASES.items())
def test_detects_encryption(
    inspected: dict[str, MessageInspection], case: str, kind: EncryptionKind
) -> None:
    assert kind in {finding.kind for finding in inspected[case].encryption}


@pytest.mark.parametrize(("case", "anomaly"), ANOMALY_CASES.items())
def test_flags_filename_tricks(
    inspected: dict[str, MessageInspection], case: str, anomaly: NameAnomaly
) -> None:
    assert any(anomaly in part.anomalies for part in inspected[case].parts)


@pytest.mark.parametrize(("case", "limit"), LIMIT_CASES.items())
def test_reports_the_limit_an_archive_hits(
    inspected: dict[str, MessageInspection], case: str, limit: LimitKind
) -> None:
    assert limit in {hit.kind for hit in inspected[case].limit_hits}


@pytest.mark.parametrize("case", BENIGN)
def test_benign_look_alikes_come_out_clean(
    inspected: dict[str, MessageInspection], case: str
) -> None:
    result = inspected[case]
    assert not (_categories(result) & BLOCKED)
    assert result.encryption == ()
    assert result.limit_hits == ()
    assert not result.malformed
    assert all(part.anomalies == () for part in result.parts)


@pytest.mark.parametrize(
    "case",
    [
        "benign_smime_signed",
        "benign_pgp_signed",
        "benign_pgp_clearsigned",
        "benign_pgp_signed_armor",
    ],
)
def test_signed_only_mail_is_signed_not_encrypted(
    inspected: dict[str, MessageInspection], case: str
) -> None:
    assert inspected[case].signed
    assert not inspected[case].encrypted


@pytest.mark.parametrize("case", ["broken_boundary", "missing_boundary"])
def test_unreadable_structure_is_malformed_but_still_inspected(
    inspected: dict[str, MessageInspection], case: str
) -> None:
    result = inspected[case]
    assert result.malformed
    assert Category.EXECUTABLE in _categories(result)


def test_names_are_decoded_from_rfc2231_rfc2047_and_raw_utf8(
    inspected: dict[str, MessageInspection],
) -> None:
    names = {
        case: {n for part in inspected[case].parts for n in part.filenames}
        for case in ("rfc2231_name", "rfc2047_name", "raw_utf8_name")
    }
    assert "Factura única.pdf.exe" in names["rfc2231_name"]
    assert "Presentación.exe" in names["rfc2047_name"]
    assert "Año_fiscal.exe" in names["raw_utf8_name"]


def test_every_filename_candidate_is_kept(inspected: dict[str, MessageInspection]) -> None:
    part = next(p for p in inspected["duplicate_filename"].parts if p.filenames)
    assert set(part.filenames) == {"informe.pdf", "informe.js"}


def test_duplicate_transfer_encoding_is_judged_under_each_reading(
    inspected: dict[str, MessageInspection],
) -> None:
    variants = {p.variant for p in inspected["duplicate_cte"].parts if p.filenames}
    assert variants == {"cte=8bit", "cte=base64"}


def test_archive_members_carry_their_chain(inspected: dict[str, MessageInspection]) -> None:
    exe = next(p for p in inspected["nested_zip_3"].parts if p.category is Category.EXECUTABLE)
    assert exe.source is Source.ARCHIVE_MEMBER
    assert exe.archive_chain == ("n.zip", "nivel2.zip", "nivel1.zip")
    assert exe.filenames == ("a.exe",)


def test_uuencoded_and_tnef_content_name_their_source(
    inspected: dict[str, MessageInspection],
) -> None:
    sources = {
        p.source for case in ("uuencode", "tnef") for p in inspected[case].parts if p.filenames
    }
    assert {Source.UUENCODE, Source.TNEF} <= sources


def test_pgp_mime_payload_is_not_reported_twice(inspected: dict[str, MessageInspection]) -> None:
    kinds = [f.kind for f in inspected["pgp_mime"].encryption]
    assert kinds == [EncryptionKind.PGP_MIME]


def test_real_docx_is_a_document_not_an_archive(inspected: dict[str, MessageInspection]) -> None:
    docx = next(p for p in inspected["benign_docx"].parts if p.filenames == ("oficio.docx",))
    assert docx.category is Category.DOCUMENT
