"""Property tests: damaged documents never make the active-content readers raise.

Each seed (an Office file, a PDF, an RTF, a text) is damaged at random: bytes
overwritten, the file cut short. The readers must answer (possibly "unchecked"),
never raise, so one bad attachment cannot turn into a 4xx for the whole message.
Raise the example count with ADUANA_HYPOTHESIS_EXAMPLES=5000.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from aduana.inspect import inspect_bytes, office, pdf, scripts, smuggling
from tests.corpus import active as samples
from tests.corpus import active_blobs as ab
from tests.corpus import blobs
from tests.unit.inspect.test_properties import LIMITS, PROFILE

_COMPOUND = [
    ab.vba_project_bin(),
    ab.legacy_doc_with_macros(),
    ab.xls_with_xlm(),
    ab.ole_package("a.exe", blobs.pe_exe()),
    ab.office_irm(),
]
_PDFS = [
    ab.pdf_with_attachment("a.exe", blobs.pe_exe()),
    ab.pdf_with_javascript(),
    ab.pdf_encrypted("", "RC4-128"),
    ab.pdf_encrypted_in_update(),
]
_RTF = [ab.rtf_with_package("a.exe", blobs.pe_exe())]
_TEXT = [samples.POWERSHELL.encode(), samples.SMUGGLING.encode(), samples.VBSCRIPT.encode()]


@st.composite
def damaged(draw: st.DrawFn, seeds: list[bytes]) -> bytes:
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(0, 8))):
        if not data:
            break
        start = draw(st.integers(0, len(data) - 1))
        chunk = draw(st.binary(min_size=1, max_size=16))
        data[start : start + len(chunk)] = chunk
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    return bytes(data)


@PROFILE
@given(damaged(_COMPOUND))
def test_damaged_compound_file_never_raises(data: bytes) -> None:
    office.scan_compound_file(data)


@PROFILE
@given(damaged(_PDFS))
def test_damaged_pdf_never_raises(data: bytes) -> None:
    pdf.is_encrypted(data)
    pdf.scan_pdf(data)


@PROFILE
@given(damaged(_RTF))
def test_damaged_rtf_never_raises(data: bytes) -> None:
    office.rtf_objects(data)


@PROFILE
@given(st.one_of(damaged(_TEXT), st.binary(max_size=4096)))
def test_any_text_is_judged_without_raising(data: bytes) -> None:
    scripts.script_kind(data)
    smuggling.is_smuggling(data)


_MESSAGES = [case.build() for case in samples.CASES]


@PROFILE
@given(damaged(_MESSAGES))
def test_damaged_message_with_active_content_is_inspected_without_raising(data: bytes) -> None:
    inspect_bytes(data, LIMITS)
