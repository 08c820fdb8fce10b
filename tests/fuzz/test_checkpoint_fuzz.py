"""Fuzzing the whole decision path: any message, any envelope, a verdict in bounded time.

``aduana.commands.explain.explain`` replays a transaction through both checkpoints
exactly as the milter adapter does (directory lookup, MIME walk, archive
inspectors, text extraction, the engine). Whatever the message, it must return
a Verdict (never raise, which in the daemon would become a 451 for a message
that can never pass), within the inspection time budget, in bounded memory.

The archive and MIME inspectors alone are fuzzed in
tests/unit/inspect/test_properties.py; this covers everything around them.
"""

from __future__ import annotations

import time
import tracemalloc

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aduana.commands.explain import Submission, explain
from aduana.gateway.runtime import Runtime
from aduana.policy.verdict import Action, Verdict
from tests.corpus.generate import CASES

from . import MESSAGE_DEADLINE, mutated_bytes, profile

FUZZ = profile(MESSAGE_DEADLINE)
NOW = 1_767_000_000.0  # a fixed instant: approvals and windows see the same date each run
SLACK_SECONDS = 2.0
MIB = 1024 * 1024
# Python allocations of one decision, the archive bombs included; the worst corpus
# message (a 7z whose LZMA dictionary is allocated in full) peaks near 20 MiB.
PEAK_MEMORY = 64 * MIB

_SEEDS = [case.build() for case in CASES]
_BOMBS = [case.build() for case in CASES if case.name in {"zip_bomb", "nested_zip_6", "7z_exe"}]

SENDERS = (
    "director.prueba@sre.gob.mx",
    "analista.prueba@sre.gob.mx",
    "suspendido.prueba@sre.gob.mx",
    "cancelado.prueba@sre.gob.mx",
    "maestra.prueba@edugem.gob.mx",
    "mesadeservicios@edugem.gob.mx",
    "ti.prueba@seiem.edu.mx",
    "nadie@sre.gob.mx",
    "alguien@externo.example",
    "",
    "<>",
    "sin-arroba",
    "a@b@c",
    "ñandú@sre.gob.mx",
    "x" * 300 + "@sre.gob.mx",
    "director.prueba@SRE.GOB.MX",
)
addresses = st.one_of(st.sampled_from(SENDERS), st.emails(), st.text(max_size=40))
submissions = st.builds(
    Submission,
    sender=addresses,
    recipients=st.lists(addresses, max_size=4).map(tuple),
    message=st.just(b""),
    login=st.one_of(st.none(), addresses, st.just("mprueba")),
    declared_size=st.one_of(st.none(), st.integers(0, 2**40)),
    client_address=st.one_of(
        st.none(),
        st.sampled_from(["127.0.0.1", "::1", "::ffff:127.0.0.1", "203.0.113.25", "2001:db8::1"]),
        st.text(max_size=40),
    ),
)


def decide_in_time(runtime: Runtime, submission: Submission) -> Verdict:
    budget = runtime.settings.daemon.inspection.time_budget_seconds
    started = time.monotonic()
    verdict = explain(runtime, submission, NOW)
    assert time.monotonic() - started < budget + SLACK_SECONDS
    assert isinstance(verdict.action, Action)
    if verdict.reply is not None:
        assert 400 <= verdict.reply.code < 600
    return verdict


def with_message(submission: Submission, message: bytes) -> Submission:
    return Submission(
        submission.sender,
        submission.recipients,
        message,
        submission.login,
        submission.declared_size,
        submission.client_address,
    )


@FUZZ
@given(submission=submissions, message=mutated_bytes(_SEEDS))
def test_damaged_corpus_messages_from_any_envelope_get_a_verdict(
    shipped_runtime: Runtime, submission: Submission, message: bytes
) -> None:
    decide_in_time(shipped_runtime, with_message(submission, message))


header_names = st.one_of(
    st.sampled_from(
        ["From", "To", "Subject", "Content-Type", "Content-Transfer-Encoding",
         "Content-Disposition", "MIME-Version", "Auto-Submitted", "Precedence",
         "List-Id", "Message-ID", "X-Aduana-Clasificacion"]
    ),
    st.text(st.characters(min_codepoint=33, max_codepoint=126, exclude_characters=":"),
            min_size=1, max_size=20),
)  # fmt: skip
header_values = st.one_of(
    st.text(max_size=120),
    st.sampled_from(
        ['multipart/mixed; boundary="b"', "multipart/mixed", "text/plain; charset=x-unknown",
         "=?utf-8?b?8J+YgA==?=", "=?iso-8859-1?q?=E1?=", "=?utf-8?b?####?=", "base64",
         "quoted-printable", 'attachment; filename*=utf-8\'\'%E2%80%AEfdp.exe',
         "<a@b>, <c@d>", "auto-generated", "bulk"]
    ),
)  # fmt: skip


@st.composite
def built_messages(draw: st.DrawFn) -> bytes:
    """Headers from the names aduana reads, with hostile values, over a random body."""
    headers = draw(st.lists(st.tuples(header_names, header_values), max_size=12))
    head = "\r\n".join(f"{name}: {value}" for name, value in headers)
    encoded = head.encode("utf-8", "surrogateescape")
    return (
        encoded + b"\r\n\r\n" + draw(st.one_of(st.binary(max_size=2048), st.sampled_from(_SEEDS)))
    )


@FUZZ
@given(submission=submissions, message=built_messages())
def test_hostile_headers_over_any_body_get_a_verdict(
    shipped_runtime: Runtime, submission: Submission, message: bytes
) -> None:
    decide_in_time(shipped_runtime, with_message(submission, message))


@FUZZ
@given(message=mutated_bytes(_BOMBS, max_edits=4))
def test_damaged_archive_bombs_are_decided_in_bounded_memory(
    shipped_runtime: Runtime, message: bytes
) -> None:
    submission = Submission("director.prueba@sre.gob.mx", ("alguien@externo.example",), message)
    tracemalloc.start()
    try:
        decide_in_time(shipped_runtime, submission)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < PEAK_MEMORY, f"peak {peak / MIB:.1f} MiB"


@pytest.mark.parametrize("disposition", [b"\xc2\x80", b"inl\xe9", b"inline; tama\xc3\xb1o=1"])
def test_text_part_with_eight_bit_content_disposition_gets_a_verdict(
    shipped_runtime: Runtime, disposition: bytes
) -> None:
    message = (
        b"From: <director.prueba@sre.gob.mx>\r\nTo: <alguien@externo.example>\r\n"
        b"Subject: informe\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b"Content-Disposition: " + disposition + b"\r\n\r\nTexto del informe.\r\n"
    )
    submission = Submission(
        "director.prueba@sre.gob.mx",
        ("alguien@externo.example",),
        message,
        login="director.prueba@sre.gob.mx",
    )
    assert decide_in_time(shipped_runtime, submission).action is Action.ACCEPT


@pytest.mark.parametrize("sender", ["nadie\r@sre.gob.mx", "nadie\n@sre.gob.mx"])
def test_address_with_line_break_gets_a_verdict(shipped_runtime: Runtime, sender: str) -> None:
    message = b"From: <nadie@sre.gob.mx>\r\nSubject: hola\r\n\r\nHola.\r\n"
    verdict = decide_in_time(shipped_runtime, Submission(sender, ("a@externo.example",), message))
    assert verdict.action is Action.REJECT
