"""Active content, scripts by content and the new encryption kinds, replayed through
`aduana explain` on the shipped configuration, inbound and outbound; the benign
look-alikes are delivered."""

from __future__ import annotations

import pytest

from tests.corpus.active import ACCEPT, CASES, ActiveCase
from tests.corpus.generate import Case
from tests.unit.test_corpus_verdicts import JEFE, OUTSIDER, explain


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
@pytest.mark.parametrize(
    ("sender", "rcpt"), [(OUTSIDER, JEFE), (JEFE, OUTSIDER)], ids=["in", "out"]
)
def test_active_case_verdict(
    tmp_path: pytest.TempPathFactory,
    case: ActiveCase,
    sender: str,
    rcpt: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    verdict = explain(tmp_path, Case(case.name, "", "", case.build), sender, rcpt, capsys)  # type: ignore[arg-type]
    if case.expected == ACCEPT:
        assert verdict["action"] == "accept", verdict
        return
    assert verdict["action"] == "reject", verdict
    reasons = verdict["reasons"]
    assert isinstance(reasons, list)
    assert case.expected in {r["rule"] for r in reasons}, reasons
    reply = str(verdict["smtp_reply"])
    assert reply.startswith("550 5.7.1"), reply
    assert "clausula SRE 9.e" in reply or "clausula SRE 9.f" in reply, reply
