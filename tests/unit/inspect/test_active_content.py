"""Scripts by content, HTML smuggling and active documents, as inspection facts."""

from __future__ import annotations

import pytest

from aduana.inspect import ActiveKind, Category, EncryptionKind, Source, inspect_bytes
from aduana.inspect.scripts import ScriptKind, script_kind
from aduana.inspect.smuggling import is_smuggling
from tests.corpus import active as samples
from tests.corpus import active_blobs as ab
from tests.corpus import blobs
from tests.corpus.generate import single


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (samples.POWERSHELL, ScriptKind.POWERSHELL),
        (samples.POWERSHELL_ONE_LINER, ScriptKind.POWERSHELL),
        (samples.VBSCRIPT, ScriptKind.VBSCRIPT),
        (samples.JSCRIPT, ScriptKind.JSCRIPT),
        (samples.ENCODED_JSCRIPT, ScriptKind.ENCODED),
        ("Sub x\n#@~^AQAAAA==x^#~@\n", ScriptKind.ENCODED),
        (samples.BATCH_NO_HEADER, ScriptKind.BATCH),
        (samples.HTA, ScriptKind.HTA),
        (samples.PYTHON, ScriptKind.PYTHON),
        (samples.SHELL_NO_SHEBANG, ScriptKind.SHELL),
        ("#!/usr/bin/env pwsh\nWrite-Host hola\n", ScriptKind.POWERSHELL),
        ('<job id="a"><script language="JScript">WScript.Echo(1);</script></job>',
         ScriptKind.WINDOWS_SCRIPT_FILE),
    ],
)  # fmt: skip
def test_script_is_recognised_by_content(text: str, kind: ScriptKind) -> None:
    assert script_kind(text.encode()) is kind


@pytest.mark.parametrize(
    "text",
    [
        samples.SPANISH_PROSE,
        samples.CSV,
        samples.ICS,
        samples.QUOTED_COMMAND,
        "Dear team,\nIf you set the meeting for Monday, call me.\nStart with the budget.\n"
        "Thanks,\nAna\n",
        "[general]\nservidor=correo.sre.gob.mx\npuerto=587\nusuario=analista\n",
        '{"nombre": "María", "puesto": "Directora", "extension": 1234}\n',
        "# Minuta\n\n- Revisar el presupuesto\n- Import the data from the old system\n",
        "Total = $1,500.00\nIVA = $240.00\nGran total = $1,740.00\n",
        "",
    ],
    ids=["prose-es", "csv", "ics", "quoted-command", "prose-en", "ini", "json", "markdown",
         "amounts", "empty"],
)  # fmt: skip
def test_text_that_is_not_a_script_stays_text(text: str) -> None:
    assert script_kind(text.encode()) is None


@pytest.mark.parametrize(
    "html", [samples.SMUGGLING, samples.SMUGGLING_MS_SAVE, samples.SMUGGLING_DATA_URI]
)
def test_html_that_rebuilds_and_saves_a_file_is_smuggling(html: str) -> None:
    assert is_smuggling(html.encode())


@pytest.mark.parametrize(
    "html",
    [
        samples.BENIGN_HTML,
        # A page that exports its own table: a Blob and a download, but no payload.
        "<script>var b = new Blob([document.body.innerText]);"
        "var a = document.createElement('a'); a.href = URL.createObjectURL(b);"
        "a.download = 'tabla.csv'; a.click();</script>",
        # Decoding a string and showing it: no file is built or saved.
        "<script>document.title = atob('SG9sYQ==');</script>",
    ],
    ids=["ordinary-script", "export-table", "atob-only"],
)
def test_ordinary_html_is_not_smuggling(html: str) -> None:
    assert not is_smuggling(html.encode())


def test_powershell_in_a_message_body_is_not_judged_as_a_script() -> None:
    inspection = inspect_bytes(samples.body_with_code())
    assert {p.category for p in inspection.parts} == {Category.TEXT}


def test_powershell_renamed_txt_is_a_script_with_a_type_mismatch() -> None:
    inspection = inspect_bytes(single(samples.POWERSHELL.encode, "notas.txt", "text/plain")())
    [script] = [p for p in inspection.parts if p.category is Category.SCRIPT]
    assert script.true_type == "application/x-powershell"
    assert script.filenames == ("notas.txt",)


def test_executable_in_an_ole_package_is_a_part_of_its_own() -> None:
    raw = single(lambda: ab.docx_with_package("factura.exe", blobs.pe_exe()), "f.docx")()
    inspection = inspect_bytes(raw)
    [embedded] = [p for p in inspection.parts if p.source is Source.EMBEDDED]
    assert embedded.category is Category.EXECUTABLE
    assert embedded.filenames == ("factura.exe",)
    assert embedded.archive_chain == ("f.docx", "word/embeddings/oleObject1.bin")
    assert embedded.path.endswith("#obj1")


@pytest.mark.parametrize(
    ("build", "kind"),
    [
        (ab.docm, ActiveKind.VBA_MACRO),
        (lambda: ab.xlsx(xlm=True), ActiveKind.XLM_MACRO),
        (ab.legacy_doc_with_macros, ActiveKind.VBA_MACRO),
        (ab.xls_with_xlm, ActiveKind.XLM_MACRO),
        (ab.pdf_with_javascript, ActiveKind.PDF_JAVASCRIPT),
        (ab.pdf_with_escaped_open_action, ActiveKind.PDF_JAVASCRIPT),
    ],
    ids=["docm", "xlsm", "doc", "xls", "pdf-js", "pdf-js-escaped-names"],
)
def test_active_content_is_found_in_documents(build: object, kind: ActiveKind) -> None:
    assert callable(build)
    inspection = inspect_bytes(single(build, "documento")())
    assert kind in {f.kind for f in inspection.active}


@pytest.mark.parametrize(
    "build", [blobs.docx, ab.xlsx, ab.xls_plain, blobs.legacy_doc, blobs.pdf, ab.odt]
)
def test_documents_without_active_content_have_no_finding(build: object) -> None:
    assert callable(build)
    inspection = inspect_bytes(single(build, "documento")())
    assert inspection.active == ()
    assert inspection.encryption == ()


@pytest.mark.parametrize(
    ("build", "kind"),
    [
        (lambda: ab.odt(encrypted=True), EncryptionKind.ODF),
        (ab.office_irm, EncryptionKind.OFFICE_IRM),
        (lambda: ab.pdf_encrypted("secreto", "AES-256"), EncryptionKind.PDF),
        (ab.pdf_encrypted_in_update, EncryptionKind.PDF),
    ],
    ids=["odt", "irm", "pdf-aes256", "pdf-incremental-update"],
)
def test_encryption_kinds(build: object, kind: EncryptionKind) -> None:
    assert callable(build)
    inspection = inspect_bytes(single(build, "documento")())
    assert [f.kind for f in inspection.encryption] == [kind]


@pytest.mark.parametrize("algorithm", ["RC4-40", "RC4-128", "AES-128", "AES-256"])
def test_pdf_with_an_empty_user_password_is_readable(algorithm: str) -> None:
    inspection = inspect_bytes(single(lambda: ab.pdf_encrypted("", algorithm), "a.pdf")())
    assert inspection.encryption == ()
    assert not any(p.encrypted for p in inspection.parts)
