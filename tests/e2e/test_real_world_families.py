"""Every family of issue 12, end to end through the real Postfix, on the shipped config.

The unit verdict tables judge these cases with ``aduana explain``; here each one
crosses a real SMTP transaction. Dangerous content from the internet is refused
at end of data with a policy clause and never delivered; classified or personal
data leaving through a login is held; each benign look-alike is delivered.
The rule that decided is read from the daemon's own audit event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from tests.corpus import active, families
from tests.support.transactions import INTERNET_CLIENT

from .aduana_fixtures import RunningAduana, start_aduana
from .harness import MilterFactory, PostfixFactory, PrivatePostfix, RecordingSink, Stage, send

JEFE = "analista.prueba@sre.gob.mx"
OUTSIDER = "proveedor@example.org"


@dataclass(frozen=True)
class Family:
    name: str
    rule: str | None
    build: Callable[[], bytes]

    @property
    def leaving(self) -> bool:
        """Data-leak rules judge mail leaving the institution; the rest judge inbound mail."""
        return self.rule is not None and self.rule.startswith("dlp.")


FAMILIES = [Family(f"family-{c.name}", c.rule, c.build) for c in families.CASES] + [
    Family(f"active-{c.name}", None if c.expected == active.ACCEPT else c.expected, c.build)
    for c in active.CASES
]


@pytest.fixture(scope="module")
def families_gateway(
    session_sink: RecordingSink, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[RunningAduana, PrivatePostfix]]:
    workdir = tmp_path_factory.mktemp("families")
    milters = MilterFactory(workdir / "milters")
    postfixes = PostfixFactory(session_sink.port)
    try:
        aduana = start_aduana(milters, workdir)
        yield aduana, postfixes(aduana.process.postfix_spec)
    finally:
        postfixes.cleanup()
        milters.cleanup()


def _last_rules(aduana: RunningAduana) -> set[str]:
    [*_, last] = aduana.events("transaction")
    reasons = last["reasons"]
    assert isinstance(reasons, list)
    return {str(r["rule"]) for r in reasons}


@pytest.mark.parametrize("family", FAMILIES, ids=[f.name for f in FAMILIES])
def test_each_family_is_refused_or_held_and_each_look_alike_delivered(
    families_gateway: tuple[RunningAduana, PrivatePostfix],
    session_sink: RecordingSink,
    family: Family,
) -> None:
    aduana, gateway = families_gateway
    session_sink.clear()
    sender = JEFE if family.leaving else OUTSIDER
    raw = family.build().replace(b"remitente@ejemplo.gob.mx", sender.encode(), 1)
    if family.leaving:
        result = send(gateway, JEFE, [OUTSIDER], raw, login=JEFE)
        assert result.accepted, result
        assert result.queue_id in {h["queue_id"] for h in gateway.hold_queue()}
        assert family.rule in _last_rules(aduana)
    elif family.rule is not None:
        result = send(gateway, OUTSIDER, [JEFE], raw, client_address=INTERNET_CLIENT)
        assert (result.stage, result.code // 100) == (Stage.DATA, 5), result
        assert "Politica de correo institucional, clausula " in result.text
        assert family.rule in _last_rules(aduana)
        assert session_sink.wait_for(timeout=0.3) == []
    else:
        result = send(gateway, OUTSIDER, [JEFE], raw, client_address=INTERNET_CLIENT)
        assert result.code == 250, result
        [copy] = session_sink.wait_for(timeout=15)
        assert copy.rcpt_tos == (JEFE,)
