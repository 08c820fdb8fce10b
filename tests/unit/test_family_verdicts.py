"""Issue 12 families (containers, header comments, zip readings, text in archives)
replayed through `aduana explain` on the shipped configuration.

Executables in any container are refused in both directions (SRE 9.e); containers
that cannot be opened are refused as uninspectable (SRE 9.e); reserved text and
personal data inside archives leaving the institution are held (SRE 9.i); the
look-alikes are delivered.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from aduana.cli import main
from tests.conftest import SHIPPED_CONFIG
from tests.corpus.families import BLOCKED, CASES, UNINSPECTABLE, FamilyCase

JEFE = "analista.prueba@sre.gob.mx"
OUTSIDER = "proveedor@example.org"
REFUSED = [c for c in CASES if c.rule in (BLOCKED, UNINSPECTABLE)]
HELD = [c for c in CASES if c.rule is not None and c.rule not in (BLOCKED, UNINSPECTABLE)]
BENIGN = [c for c in CASES if c.benign]


def explain(
    tmp_path: Path, case: FamilyCase, sender: str, rcpt: str, capsys: pytest.CaptureFixture[str]
) -> dict[str, object]:
    message = tmp_path / f"{case.name}.eml"
    message.write_bytes(case.build().replace(b"remitente@ejemplo.gob.mx", sender.encode(), 1))
    login = ["--login", sender] if sender == JEFE else []
    status = main(
        ["explain", "--config", str(SHIPPED_CONFIG), "--sender", sender, *login,
         "--rcpt", rcpt, str(message)]
    )  # fmt: skip
    assert status == 0
    verdict: dict[str, object] = json.loads(capsys.readouterr().out)
    return verdict


def _rules(verdict: dict[str, object]) -> list[str]:
    reasons = verdict["reasons"]
    assert isinstance(reasons, list)
    return [str(r["rule"]) for r in reasons]


@pytest.mark.parametrize("case", REFUSED, ids=[c.name for c in REFUSED])
@pytest.mark.parametrize(
    ("sender", "rcpt"), [(OUTSIDER, JEFE), (JEFE, OUTSIDER)], ids=["in", "out"]
)
def test_executable_or_unopenable_container_is_refused_citing_sre_9e(
    tmp_path: Path, case: FamilyCase, sender: str, rcpt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    verdict = explain(tmp_path, case, sender, rcpt, capsys)
    assert verdict["action"] == "reject", verdict
    assert case.rule in _rules(verdict)
    reply = str(verdict["smtp_reply"])
    assert reply.startswith("550 5.7.1"), reply
    assert "clausula SRE 9.e" in reply


@pytest.mark.parametrize("case", HELD, ids=[c.name for c in HELD])
def test_reserved_text_or_personal_data_inside_an_archive_is_held_when_leaving(
    tmp_path: Path, case: FamilyCase, capsys: pytest.CaptureFixture[str]
) -> None:
    verdict = explain(tmp_path, case, JEFE, OUTSIDER, capsys)
    assert verdict["action"] == "quarantine", verdict
    assert _rules(verdict) == [case.rule]


@pytest.mark.parametrize("case", BENIGN, ids=[c.name for c in BENIGN])
@pytest.mark.parametrize(
    ("sender", "rcpt"), [(OUTSIDER, JEFE), (JEFE, OUTSIDER)], ids=["in", "out"]
)
def test_look_alikes_are_delivered(
    tmp_path: Path, case: FamilyCase, sender: str, rcpt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    verdict = explain(tmp_path, case, sender, rcpt, capsys)
    assert verdict["action"] == "accept", verdict


def test_uninspectable_reply_names_the_file_and_what_went_wrong(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = next(c for c in CASES if c.name == "udf_only")
    verdict = explain(tmp_path, case, OUTSIDER, JEFE, capsys)
    reply = str(verdict["smtp_reply"])
    assert (
        'El archivo "facturas.img" no puede abrirse para revisarlo '
        "(archivo comprimido danado o de formato no admitido)"
    ) in reply


@pytest.mark.parametrize(("setting", "action"), [("null", "accept"), ("quarantine", "quarantine")])
def test_the_policy_decides_what_an_uninspectable_container_means(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], setting: str, action: str
) -> None:
    config_dir = tmp_path / "config"
    shutil.copytree(SHIPPED_CONFIG.parent, config_dir)
    policy = config_dir / "policies" / "sre.yaml"
    text = policy.read_text(encoding="utf-8")
    policy.write_text(text.replace("uninspectable: reject", f"uninspectable: {setting}"))
    case = next(c for c in CASES if c.name == "udf_only")
    message = tmp_path / "udf.eml"
    message.write_bytes(case.build())
    status = main(
        ["explain", "--config", str(config_dir / SHIPPED_CONFIG.name), "--sender", OUTSIDER,
         "--rcpt", JEFE, str(message)]
    )  # fmt: skip
    assert status == 0
    verdict = json.loads(capsys.readouterr().out)
    assert verdict["action"] == action, verdict
