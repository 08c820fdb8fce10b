"""The origin decision: who is really sending, from facts the sender cannot forge."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from aduana.cli import main as cli_main
from aduana.config.errors import ConfigError
from aduana.config.loader import Settings, load_settings
from aduana.gateway.runtime import Runtime
from aduana.policy.authentication_results import verified_domains
from aduana.policy.engine import decide
from aduana.policy.facts import Envelope, MessageContent, Origin
from aduana.policy.organisations import organisation_by_id, organisation_of
from aduana.policy.origin import client_ip
from aduana.policy.scope import governing_organisations
from aduana.policy.verdict import Action
from aduana.policy.vocabulary import VOCABULARY
from tests.conftest import SHIPPED_CONFIG
from tests.support.transactions import INTERNET_CLIENT, judged_facts

JEFE = "analista.prueba@sre.gob.mx"
DIRECTOR = "director.prueba@sre.gob.mx"
TEACHER = "maestra.prueba@edugem.gob.mx"
FOREIGN = "alguien@gmail.example"


def _settings_with(runtime: Runtime, **origin: object) -> Settings:
    settings = runtime.settings
    validated = type(settings.daemon.origin).model_validate(
        {**settings.daemon.origin.model_dump(), **origin}
    )
    daemon = settings.daemon.model_copy(update={"origin": validated})
    return replace(settings, daemon=daemon)


@pytest.mark.parametrize(
    ("client", "login", "origin"),
    [
        ("127.0.0.1", None, Origin.INTERNAL),
        ("127.8.9.10", None, Origin.INTERNAL),
        ("::1", None, Origin.INTERNAL),
        ("IPv6:::1", None, Origin.INTERNAL),
        ("[::1]", None, Origin.INTERNAL),
        ("::ffff:127.0.0.1", None, Origin.INTERNAL),
        ("203.0.113.25", None, Origin.INTERNET),
        ("2001:db8::25", None, Origin.INTERNET),
        ("fe80::1%eth0", None, Origin.INTERNET),
        # A missing or unreadable {client_addr} is the least trusted origin.
        (None, None, Origin.INTERNET),
        ("", None, Origin.INTERNET),
        ("localhost", None, Origin.INTERNET),
        ("unknown", None, Origin.INTERNET),
        # A login is an authenticated origin from anywhere.
        ("203.0.113.25", JEFE, Origin.AUTHENTICATED),
        (None, JEFE, Origin.AUTHENTICATED),
    ],
)  # fmt: skip
def test_origin_comes_from_the_login_and_the_client_address(
    shipped_runtime: Runtime, client: str | None, login: str | None, origin: Origin
) -> None:
    envelope = Envelope(sender=FOREIGN, login=login, client_address=client)
    assert judged_facts(shipped_runtime, envelope).provenance.origin is origin


def test_xclient_address_in_a_configured_private_network_is_internal(
    shipped_runtime: Runtime,
) -> None:
    """Postfix reports the XCLIENT ADDR= as the client; only the configured networks count."""
    settings = _settings_with(shipped_runtime, internal_networks=("10.0.0.0/8", "fd00::/8"))
    runtime = replace(shipped_runtime, settings=settings)
    inside = judged_facts(runtime, Envelope(sender=JEFE, client_address="10.20.30.40"))
    ipv6 = judged_facts(runtime, Envelope(sender=JEFE, client_address="fd00::7"))
    loopback = judged_facts(runtime, Envelope(sender=JEFE, client_address="127.0.0.1"))
    assert inside.provenance.origin is Origin.INTERNAL
    assert ipv6.provenance.origin is Origin.INTERNAL
    assert loopback.provenance.origin is Origin.INTERNET


def test_trusted_relays_are_internal_too(shipped_runtime: Runtime) -> None:
    settings = _settings_with(shipped_runtime, trusted_relays=("192.0.2.0/28",))
    runtime = replace(shipped_runtime, settings=settings)
    facts = judged_facts(runtime, Envelope(sender=JEFE, client_address="192.0.2.3"))
    assert facts.provenance.origin is Origin.INTERNAL


@pytest.mark.parametrize("text", ["127.0.0.1", "[127.0.0.1]", "IPv6:::1", "::ffff:127.0.0.1"])
def test_client_addresses_are_read_as_the_mta_writes_them(text: str) -> None:
    assert client_ip(text) is not None
    assert client_ip(text).is_loopback  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("sender", "login", "client", "organisation", "account"),
    [
        # The login's account answers, whatever MAIL FROM says.
        (TEACHER, JEFE, None, "sre", JEFE),
        ("", JEFE, None, "sre", JEFE),
        (FOREIGN, "mprueba", INTERNET_CLIENT, "edugem", TEACHER),
        # An internal client: the sender's organisation; a foreign sender, the default.
        (TEACHER, None, "127.0.0.1", "edugem", TEACHER),
        ("avisos@correo.sre.gob.mx", None, "127.0.0.1", "sre", None),
        (FOREIGN, None, "127.0.0.1", "sre", None),
        # The internet: nobody governs it as sender.
        (JEFE, None, INTERNET_CLIENT, None, None),
        ("", None, INTERNET_CLIENT, None, None),
    ],
)  # fmt: skip
def test_the_responsible_organisation_and_account(
    shipped_runtime: Runtime,
    sender: str,
    login: str | None,
    client: str | None,
    organisation: str | None,
    account: str | None,
) -> None:
    envelope = Envelope(sender=sender, login=login, client_address=client)
    provenance = judged_facts(shipped_runtime, envelope).provenance
    assert provenance.organisation == organisation
    assert (provenance.account.address if provenance.account else None) == account


def test_the_null_sender_from_an_internal_client_is_a_bounce(shipped_runtime: Runtime) -> None:
    envelope = Envelope(sender="", client_address="127.0.0.1", recipients=("x@externo.example",))
    facts = judged_facts(shipped_runtime, envelope, MessageContent(size=30 * 1024 * 1024))
    assert facts.provenance.bounce
    assert decide(shipped_runtime.settings, facts).action is Action.ACCEPT


def test_mail_that_matches_no_organisation_meets_the_default_organisations_rules(
    shipped_runtime: Runtime,
) -> None:
    """From the internet to nobody of ours (an open-relay attempt): still not rule-free."""
    envelope = Envelope(
        sender=FOREIGN, client_address=INTERNET_CLIENT, recipients=("otro@externo.example",)
    )
    facts = judged_facts(shipped_runtime, envelope)
    assert [o.id for o in governing_organisations(shipped_runtime.settings, facts)] == ["sre"]


def _impersonation(
    runtime: Runtime,
    sender: str,
    header_from: str,
    *,
    client: str = INTERNET_CLIENT,
    headers: tuple[tuple[str, str], ...] = (),
) -> Action:
    envelope = Envelope(sender=sender, client_address=client, recipients=(JEFE,))
    content = MessageContent(
        size=100, header_from=(header_from,), headers=(("From", header_from), *headers)
    )
    verdict = decide(runtime.settings, judged_facts(runtime, envelope, content))
    decisive = verdict.decisive
    if decisive is not None:
        assert decisive.rule == "identity.impersonation"
    return verdict.action


@pytest.mark.parametrize(
    ("sender", "header_from", "action"),
    [
        (DIRECTOR, DIRECTOR, Action.REJECT),
        (FOREIGN, DIRECTOR, Action.REJECT),
        (DIRECTOR, FOREIGN, Action.REJECT),
        ("jefe@correo.sre.gob.mx", FOREIGN, Action.REJECT),
        (FOREIGN, f'"{DIRECTOR}" <{FOREIGN}>', Action.REJECT),
        (FOREIGN, f"Director General <{FOREIGN}>", Action.ACCEPT),
        ("", f"Mail Delivery System <{FOREIGN}>", Action.ACCEPT),
        ("persona@sre.gob.mx.example.org", FOREIGN, Action.ACCEPT),
    ],
)  # fmt: skip
def test_nobody_outside_may_pose_as_the_institution(
    shipped_runtime: Runtime, sender: str, header_from: str, action: Action
) -> None:
    assert _impersonation(shipped_runtime, sender, header_from) is action


def _with_on_behalf(runtime: Runtime, entry: dict[str, object], **origin: object) -> Runtime:
    settings = _settings_with(runtime, **origin) if origin else runtime.settings
    sre = organisation_by_id(settings, "sre")
    assert sre is not None
    changed = sre.model_validate({**sre.model_dump(), "on_behalf": [entry]})
    organisations = tuple(changed if o.id == "sre" else o for o in settings.organisations)
    return replace(runtime, settings=replace(settings, organisations=organisations))


def test_a_third_party_network_may_send_on_the_institutions_behalf(
    shipped_runtime: Runtime,
) -> None:
    runtime = _with_on_behalf(
        shipped_runtime, {"name": "Boletines", "networks": ["203.0.113.0/24"]}
    )
    assert _impersonation(runtime, DIRECTOR, DIRECTOR) is Action.ACCEPT
    assert _impersonation(runtime, DIRECTOR, DIRECTOR, client="198.18.0.1") is Action.REJECT


AR_PASS = (
    "mx1.sre.gob.mx; dkim=pass header.d=boletines.example header.s=s1; "
    "spf=pass smtp.mailfrom=rebotes@envios.example"
)


@pytest.mark.parametrize(
    ("entry", "headers", "action"),
    [
        ({"dkim_domains": ["boletines.example"]}, [AR_PASS], Action.ACCEPT),
        ({"spf_domains": ["envios.example"]}, [AR_PASS], Action.ACCEPT),
        ({"dkim_domains": ["otro.example"]}, [AR_PASS], Action.REJECT),
        # Only the trusted authserv-id counts, and of it only the topmost header.
        ({"dkim_domains": ["boletines.example"]},
         [AR_PASS.replace("mx1.sre.gob.mx", "mx.atacante.example")], Action.REJECT),
        ({"dkim_domains": ["boletines.example"]},
         ["mx1.sre.gob.mx; dkim=fail header.d=boletines.example", AR_PASS], Action.REJECT),
        ({"dkim_domains": ["boletines.example"]},
         [AR_PASS.replace("dkim=pass", "dkim=fail")], Action.REJECT),
        ({"dkim_domains": ["boletines.example"]}, ["mx1.sre.gob.mx; ;;garbage=="], Action.REJECT),
    ],
)  # fmt: skip
def test_a_dkim_or_spf_pass_from_the_trusted_verifier_lets_a_third_party_send(
    shipped_runtime: Runtime, entry: dict[str, object], headers: list[str], action: Action
) -> None:
    runtime = _with_on_behalf(
        shipped_runtime, {"name": "Tercero", **entry}, authserv_ids=("mx1.sre.gob.mx",)
    )
    results = tuple(("Authentication-Results", h) for h in headers)
    assert _impersonation(runtime, DIRECTOR, DIRECTOR, headers=results) is action


def test_authentication_results_are_ignored_without_a_trusted_authserv_id() -> None:
    assert verified_domains([("Authentication-Results", AR_PASS)], ()).dkim == frozenset()


def test_impersonation_can_be_held_instead_of_refused(shipped_runtime: Runtime) -> None:
    settings = shipped_runtime.settings
    sre = organisation_by_id(settings, "sre")
    assert sre is not None
    data = sre.model_dump()
    data["rules"]["identity"]["impersonation"]["action"] = "quarantine"
    held = sre.model_validate(data)
    organisations = tuple(held if o.id == "sre" else o for o in settings.organisations)
    runtime = replace(shipped_runtime, settings=replace(settings, organisations=organisations))
    assert _impersonation(runtime, FOREIGN, DIRECTOR) is Action.QUARANTINE


def _config_copy(tmp_path: Path, shipped: Path) -> Path:
    target = tmp_path / "config"
    shutil.copytree(shipped.parent, target)
    return target / shipped.name


def test_a_default_organisation_is_required_and_must_exist(tmp_path: Path) -> None:
    config = _config_copy(tmp_path, SHIPPED_CONFIG)
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("default_organisation: sre", "default_organisation: sep"))
    with pytest.raises(ConfigError) as error:
        load_settings(config, VOCABULARY)
    assert str(error.value).endswith(
        "aduana.yaml:41: default_organisation: no organisation 'sep'; known: sre, edugem, seiem"
    )
    config.write_text(text.replace("default_organisation: sre", ""))
    with pytest.raises(ConfigError) as missing:
        load_settings(config, VOCABULARY)
    assert "default_organisation: Field required" in str(missing.value)


@pytest.mark.parametrize("domain", ["*sre.gob.mx", "sre..gob.mx", "*.*.sre.gob.mx", "-x.mx"])
def test_a_malformed_domain_is_named(tmp_path: Path, domain: str) -> None:
    config = _config_copy(tmp_path, SHIPPED_CONFIG)
    policy = config.parent / "policies" / "sre.yaml"
    text = policy.read_text(encoding="utf-8")
    policy.write_text(text.replace('"*.sre.gob.mx"', f'"{domain}"'), encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_settings(config, VOCABULARY)
    assert "organisations[0].domains" in str(error.value)
    assert "is not a domain" in str(error.value)


@pytest.mark.parametrize(
    ("address", "organisation"),
    [
        ("x@sre.gob.mx", "sre"),
        ("x@correo.sre.gob.mx", "sre"),
        ("x@a.b.sre.gob.mx", "sre"),
        ("x@SRE.GOB.MX", "sre"),
        ("x@edugem.gob.mx", "edugem"),
        ("x@correo.edugem.gob.mx", None),
        ("x@xsre.gob.mx", None),
        ("x@sre.gob.mx.example", None),
        ("", None),
    ],
)
def test_subdomains_belong_only_where_a_wildcard_says(
    shipped_runtime: Runtime, address: str, organisation: str | None
) -> None:
    found = organisation_of(shipped_runtime.settings, address)
    assert (found.id if found else None) == organisation


@pytest.mark.parametrize(
    ("arguments", "clause"),
    [
        (["--client-address", "127.0.0.1"], "SRE 18"),
        ([], "SRE 1"),
        (["--client-address", "203.0.113.25"], "SRE 1"),
        (["--login", "suspendido.prueba@sre.gob.mx"], "SRE 18"),
    ],
)
def test_explain_judges_the_origin_the_daemon_would_see(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, arguments: list[str], clause: str
) -> None:
    """The same suspended sender: refused as suspended from inside, as an impostor from outside."""
    message = tmp_path / "hola.eml"
    message.write_bytes(
        b"From: suspendido.prueba@sre.gob.mx\r\nTo: alguien@externo.example\r\n"
        b"Subject: Hola\r\n\r\nHola.\r\n"
    )
    command = ["explain", "--config", str(SHIPPED_CONFIG)]
    command += ["--sender", "suspendido.prueba@sre.gob.mx", "--rcpt", JEFE, *arguments]
    assert cli_main([*command, str(message)]) == 0
    verdict = json.loads(capsys.readouterr().out)
    assert verdict["action"] == "reject"
    assert f"clausula {clause}:" in verdict["smtp_reply"]
