"""Every corpus case replayed through `aduana explain` on the shipped configuration.

Inbound to an SRE account and outbound from one: the policies forbid receiving
these files as well as sending them. Benign look-alikes must be accepted.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aduana.cli import main
from tests.conftest import SHIPPED_CONFIG
from tests.corpus.generate import CASES, Case

JEFE = "analista.prueba@sre.gob.mx"
OUTSIDER = "proveedor@example.org"


def expected_rule(case: Case) -> str | None:
    if case.benign:
        return None
    if case.expected.startswith("encryption"):
        return "encryption.unauthorised"
    if case.expected.startswith("limit"):
        return "attachments.inspection_limit"
    return "attachments.blocked_type"


def explain(
    tmp_path: Path, case: Case, sender: str, rcpt: str, capsys: pytest.CaptureFixture[str]
) -> dict[str, object]:
    message = tmp_path / f"{case.name}.eml"
    raw = case.build()
    if sender == JEFE:
        raw = raw.replace(b"remitente@ejemplo.gob.mx", JEFE.encode(), 1)
    message.write_bytes(raw)
    login = ["--login", sender] if sender == JEFE else []
    status = main(
        ["explain", "--config", str(SHIPPED_CONFIG), "--sender", sender, *login,
         "--rcpt", rcpt, str(message)]
    )  # fmt: skip
    assert status == 0
    verdict: dict[str, object] = json.loads(capsys.readouterr().out)
    return verdict


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
@pytest.mark.parametrize(
    ("sender", "rcpt"), [(OUTSIDER, JEFE), (JEFE, OUTSIDER)], ids=["in", "out"]
)
def test_corpus_case_verdict(
    tmp_path: Path, case: Case, sender: str, rcpt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    verdict = explain(tmp_path, case, sender, rcpt, capsys)
    rule = expected_rule(case)
    if rule is None:
        assert verdict["action"] == "accept", verdict
        return
    assert verdict["action"] == "reject", verdict
    reasons = verdict["reasons"]
    assert isinstance(reasons, list)
    assert reasons[0]["rule"] == rule
    reply = str(verdict["smtp_reply"])
    assert reply.startswith(("550 5.7.1", "554 5.6.0"))
    assert "clausula SRE 9.e" in reply or "clausula SRE 9.f" in reply
