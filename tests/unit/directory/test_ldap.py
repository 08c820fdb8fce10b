"""The LDAP directory against a real slapd: lookups, escaping, caching, outages, recovery."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from aduana.config.directory import LdapDirectorySettings
from aduana.config.loader import ladder_problems
from aduana.config.schema import Organisation
from aduana.directory.account import Account, AccountStatus, DirectoryUnavailableError
from aduana.directory.ldap import LdapDirectory
from aduana.gateway.runtime import Runtime
from tests.support.required_servers import require_server
from tests.support.slapd import (
    EDUGEM_PEOPLE,
    EXTERNAL_PEOPLE,
    SERVICE_DN,
    SERVICE_PASSWORD,
    SRE_PEOPLE,
    SRE_SUSPENDED_GROUP,
    SUFFIX,
    SlapdServer,
    free_port,
    slapd_available,
)

TTL = 300.0
NEGATIVE_TTL = 60.0
GRACE = 3600.0
RETRY = 10.0
T0 = 1_000.0

ANALISTA = "analista.prueba@sre.gob.mx"

MakeDirectory = Callable[..., "ObservedDirectory"]


class FakeClock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class ObservedDirectory:
    """One LdapDirectory with its clock and the state changes it reported."""

    def __init__(self, settings: LdapDirectorySettings, organisations: tuple[Organisation, ...]):
        self.clock = FakeClock()
        self.changes: list[tuple[bool, str]] = []
        self.ldap = LdapDirectory(
            settings,
            organisations,
            self.clock,
            lambda healthy, why: self.changes.append((healthy, why)),
        )

    @property
    def health(self) -> list[bool]:
        return [healthy for healthy, _ in self.changes]


def _require_slapd() -> None:
    require_server(
        "slapd",
        slapd_available(),
        "Debian packages 'slapd' and 'ldap-utils' (make system installs them)",
    )


@pytest.fixture(scope="module")
def shared_slapd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlapdServer]:
    """One slapd for the tests that never stop it."""
    _require_slapd()
    with SlapdServer(tmp_path_factory.mktemp("slapd")) as server:
        yield server


@pytest.fixture
def private_slapd(tmp_path: Path) -> Iterator[SlapdServer]:
    """A slapd of its own, for tests that stop and restart it."""
    _require_slapd()
    with SlapdServer(tmp_path / "slapd") as server:
        yield server


@pytest.fixture(scope="module")
def password_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("secret") / "bind-password"
    path.write_text(SERVICE_PASSWORD + "\n")
    path.chmod(0o600)
    return path


@pytest.fixture(scope="module")
def organisations(shipped_runtime: Runtime) -> tuple[Organisation, ...]:
    return shipped_runtime.settings.organisations


def _settings(server: SlapdServer, password_file: Path, **overrides: Any) -> LdapDirectorySettings:
    values: dict[str, Any] = {
        "backend": "ldap",
        "urls": [server.url],
        "bind_dn": SERVICE_DN,
        "bind_password_file": password_file,
        "base_dn": SUFFIX,
        "rank_map": {"Profesora": "Docente"},
        "status_attribute": "accountStatus",
        "cancelled_values": ["baja", "cancelada"],
        "suspended_values": ["suspendida"],
        "suspended_group_dn": SRE_SUSPENDED_GROUP,
        "disabled_account_is": "cancelled",
        "organisation_by_base_dn": {f"dc=sre,{SUFFIX}": "sre", f"dc=edugem,{SUFFIX}": "edugem"},
        "timeout_seconds": 1,
        "cache_ttl_seconds": TTL,
        "negative_cache_ttl_seconds": NEGATIVE_TTL,
        "stale_grace_seconds": GRACE,
        "retry_seconds": RETRY,
    }
    values.update(overrides)
    return LdapDirectorySettings.model_validate(values)


@pytest.fixture
def directory(
    shared_slapd: SlapdServer, password_file: Path, organisations: tuple[Organisation, ...]
) -> Iterator[ObservedDirectory]:
    made = ObservedDirectory(_settings(shared_slapd, password_file), organisations)
    yield made
    made.ldap.close()


@pytest.fixture
def make_directory(
    password_file: Path, organisations: tuple[Organisation, ...]
) -> Iterator[MakeDirectory]:
    made: list[ObservedDirectory] = []

    def make(server: SlapdServer, **overrides: Any) -> ObservedDirectory:
        made.append(ObservedDirectory(_settings(server, password_file, **overrides), organisations))
        return made[-1]

    yield make
    for each in made:
        each.ldap.close()


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        pytest.param(
            ANALISTA,
            (ANALISTA, "Jefe de Departamento", AccountStatus.ACTIVE, "sre"),
            id="jefe-de-departamento",
        ),
        pytest.param(
            "director.prueba@sre.gob.mx",
            ("director.prueba@sre.gob.mx", "Director General", AccountStatus.ACTIVE, "sre"),
            id="director-general",
        ),
        pytest.param(
            "suspendido.prueba@sre.gob.mx",
            ("suspendido.prueba@sre.gob.mx", "Enlace", AccountStatus.SUSPENDED, "sre"),
            id="suspended-by-group",
        ),
        pytest.param(
            "cancelado.prueba@sre.gob.mx",
            ("cancelado.prueba@sre.gob.mx", "Operativo", AccountStatus.CANCELLED, "sre"),
            id="cancelled-by-attribute",
        ),
        pytest.param(
            "baja.prueba@edugem.gob.mx",
            ("baja.prueba@edugem.gob.mx", "Docente", AccountStatus.CANCELLED, "edugem"),
            id="cancelled-by-ad-disabled-bit",
        ),
        pytest.param(
            "maestra.prueba@edugem.gob.mx",
            ("maestra.prueba@edugem.gob.mx", "Docente", AccountStatus.ACTIVE, "edugem"),
            id="rank-mapped-from-profesora",
        ),
        pytest.param(
            "director.udai@edugem.gob.mx",
            ("director.udai@edugem.gob.mx", "Director de Área", AccountStatus.ACTIVE, "edugem"),
            id="rank-matched-without-case-or-accents",
        ),
        pytest.param(
            "ti.prueba@seiem.edu.mx",
            ("ti.prueba@seiem.edu.mx", "Subdirector", AccountStatus.ACTIVE, "seiem"),
            id="organisation-from-mail-domain",
        ),
        pytest.param(
            "aprueba@sre.gob.mx",
            (ANALISTA, "Jefe de Departamento", AccountStatus.ACTIVE, "sre"),
            id="alias",
        ),
        pytest.param(
            "MesaDeServicios@EDUGEM.gob.mx",
            ("director.udai@edugem.gob.mx", "Director de Área", AccountStatus.ACTIVE, "edugem"),
            id="alias-any-case",
        ),
    ],
)
def test_finds_account_by_address_with_rank_status_and_organisation(
    directory: ObservedDirectory, address: str, expected: tuple[str, str, AccountStatus, str]
) -> None:
    account = directory.ldap.by_address(address)

    assert account is not None
    assert (account.address, account.rank, account.status, account.organisation) == expected
    assert account.owns(address)


def test_reads_name_unit_login_and_aliases(directory: ObservedDirectory) -> None:
    assert directory.ldap.by_address(ANALISTA) == Account(
        address=ANALISTA,
        name="Analista de Prueba",
        rank="Jefe de Departamento",
        unit="Dirección General de Comunicaciones e Informática",
        organisation="sre",
        status=AccountStatus.ACTIVE,
        login="analista.prueba",
        aliases=("aprueba@sre.gob.mx",),
    )


@pytest.mark.parametrize("login", ["mprueba", "MPrueba"])
def test_finds_account_by_login(directory: ObservedDirectory, login: str) -> None:
    account = directory.ldap.by_login(login)

    assert account is not None
    assert account.address == "maestra.prueba@edugem.gob.mx"
    assert account.login_name == "mprueba"


@pytest.mark.parametrize(
    "address",
    [
        pytest.param("nadie@sre.gob.mx", id="not-in-directory"),
        pytest.param("ajeno@example.com", id="domain-of-no-organisation"),
        pytest.param("", id="empty"),
        pytest.param("x" * 400 + "@sre.gob.mx", id="absurdly-long"),
    ],
)
def test_answers_none_for_unknown_address(directory: ObservedDirectory, address: str) -> None:
    assert directory.ldap.by_address(address) is None
    assert directory.changes == []


@pytest.mark.parametrize(
    "address",
    [
        pytest.param("analista.prueba@sre.gob.m*", id="wildcard"),
        pytest.param("*", id="bare-wildcard"),
        pytest.param(f"{ANALISTA})(uid=analista.prueba", id="closing-parenthesis"),
        pytest.param("analista.prueba@sre.gob.mx\x00", id="nul"),
        pytest.param("analista\\2eprueba@sre.gob.mx", id="escaped-dot"),
        pytest.param("(", id="unbalanced"),
    ],
)
def test_filter_characters_in_address_match_nothing(
    directory: ObservedDirectory, address: str
) -> None:
    assert directory.ldap.by_address(address) is None
    assert directory.changes == []


@pytest.mark.parametrize("login", ["mprueb*", "*", "mprueba)(uid=*", "mprueba\\29"])
def test_filter_characters_in_login_match_nothing(directory: ObservedDirectory, login: str) -> None:
    assert directory.ldap.by_login(login) is None
    assert directory.changes == []


@pytest.mark.parametrize(
    ("overrides", "address", "expected_rank"),
    [
        pytest.param(
            {"rank_map": {"director general": "Director de Área"}},
            "director.prueba@sre.gob.mx",
            "Director de Área",
            id="map-wins-over-ladder-name",
        ),
        pytest.param({"rank_map": {}}, "ti.prueba@seiem.edu.mx", "Subdirector", id="on-ladder"),
        pytest.param(
            {"rank_map": {}}, "maestra.prueba@edugem.gob.mx", "Docente", id="unmapped-is-lowest"
        ),
        pytest.param(
            {"rank_map": {}, "default_rank": "Apoyo Administrativo"},
            "maestra.prueba@edugem.gob.mx",
            "Apoyo Administrativo",
            id="unmapped-is-default-rank",
        ),
        pytest.param(
            {"rank_attribute": "employeeType"},
            ANALISTA,
            "Operativo",
            id="missing-attribute-is-lowest",
        ),
    ],
)
def test_maps_rank_attribute_onto_the_ladder(
    shared_slapd: SlapdServer,
    make_directory: MakeDirectory,
    overrides: dict[str, Any],
    address: str,
    expected_rank: str,
) -> None:
    account = make_directory(shared_slapd, **overrides).ldap.by_address(address)

    assert account is not None
    assert account.rank == expected_rank


@pytest.mark.parametrize(
    ("overrides", "address", "expected"),
    [
        pytest.param(
            {"disabled_account_is": "ignored"},
            "baja.prueba@edugem.gob.mx",
            AccountStatus.ACTIVE,
            id="disabled-bit-ignored",
        ),
        pytest.param(
            {"disabled_account_is": "suspended"},
            "baja.prueba@edugem.gob.mx",
            AccountStatus.SUSPENDED,
            id="disabled-bit-suspends",
        ),
        pytest.param(
            {"disabled_account_is": "suspended"},
            "maestra.prueba@edugem.gob.mx",
            AccountStatus.ACTIVE,
            id="normal-account-512",
        ),
        pytest.param(
            {"suspended_group_dn": None},
            "suspendido.prueba@sre.gob.mx",
            AccountStatus.ACTIVE,
            id="no-group-configured",
        ),
        pytest.param(
            {"suspended_group_dn": None, "cancelled_group_dn": SRE_SUSPENDED_GROUP.upper()},
            "suspendido.prueba@sre.gob.mx",
            AccountStatus.CANCELLED,
            id="group-dn-any-case",
        ),
        pytest.param(
            {"status_attribute": None},
            "cancelado.prueba@sre.gob.mx",
            AccountStatus.ACTIVE,
            id="no-status-attribute",
        ),
        pytest.param(
            {"cancelled_values": [], "suspended_values": ["BAJA"]},
            "cancelado.prueba@sre.gob.mx",
            AccountStatus.SUSPENDED,
            id="status-value-any-case",
        ),
    ],
)
def test_status_comes_from_attributes_and_groups(
    shared_slapd: SlapdServer,
    make_directory: MakeDirectory,
    overrides: dict[str, Any],
    address: str,
    expected: AccountStatus,
) -> None:
    account = make_directory(shared_slapd, **overrides).ldap.by_address(address)

    assert account is not None
    assert account.status == expected


def test_organisation_by_base_dn_wins_over_mail_domain(
    shared_slapd: SlapdServer, make_directory: MakeDirectory
) -> None:
    directory = make_directory(
        shared_slapd, organisation_by_base_dn={EXTERNAL_PEOPLE: "edugem", SRE_PEOPLE: "sre"}
    )

    account = directory.ldap.by_address("ti.prueba@seiem.edu.mx")

    assert account is not None
    assert account.organisation == "edugem"


def test_fails_over_to_the_next_url(
    shared_slapd: SlapdServer, make_directory: MakeDirectory
) -> None:
    nothing_there = f"ldap://127.0.0.1:{free_port()}"
    directory = make_directory(shared_slapd, urls=[nothing_there, shared_slapd.url])

    assert directory.ldap.by_address(ANALISTA) is not None
    assert directory.changes == []


def test_reads_bind_password_from_environment(
    shared_slapd: SlapdServer, password_file: Path, organisations: tuple[Organisation, ...]
) -> None:
    settings = _settings(
        shared_slapd, password_file, bind_password_file=None, bind_password_env="LDAP_PW"
    )
    ldap = LdapDirectory(
        settings, organisations, FakeClock(), lambda *_: None, environ={"LDAP_PW": SERVICE_PASSWORD}
    )

    assert ldap.by_login("mprueba") is not None
    ldap.close()


def test_wrong_bind_password_is_an_outage_and_is_never_reported(
    shared_slapd: SlapdServer, tmp_path: Path, make_directory: MakeDirectory
) -> None:
    wrong = tmp_path / "wrong"
    wrong.write_text("contraseña-equivocada")
    directory = make_directory(shared_slapd, bind_password_file=wrong)

    with pytest.raises(DirectoryUnavailableError) as raised:
        directory.ldap.by_address(ANALISTA)

    assert directory.health == [False]
    assert "invalidCredentials" in directory.changes[0][1]
    assert "equivocada" not in str(raised.value) + directory.changes[0][1]


def test_many_threads_share_a_small_pool(
    shared_slapd: SlapdServer, make_directory: MakeDirectory
) -> None:
    directory = make_directory(shared_slapd, pool_size=2, cache_ttl_seconds=0)
    wanted = {
        ANALISTA: "sre",
        "maestra.prueba@edugem.gob.mx": "edugem",
        "ti.prueba@seiem.edu.mx": "seiem",
    }
    answers: list[tuple[str, str | None]] = []
    lock = threading.Lock()

    def look_up() -> None:
        for _ in range(10):
            for address in wanted:
                account = directory.ldap.by_address(address)
                with lock:
                    answers.append((address, account.organisation if account else None))

    threads = [threading.Thread(target=look_up) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(answers) == 180
    assert all(org == wanted[address] for address, org in answers)
    assert directory.changes == []


def test_cached_answers_do_not_ask_ldap_again(
    private_slapd: SlapdServer, make_directory: MakeDirectory
) -> None:
    directory = make_directory(private_slapd)
    found = directory.ldap.by_address(ANALISTA)
    assert directory.ldap.by_address("nadie@sre.gob.mx") is None

    private_slapd.stop()
    directory.clock.advance(NEGATIVE_TTL - 1)

    assert directory.ldap.by_address(ANALISTA.upper()) == found
    assert directory.ldap.by_address("nadie@sre.gob.mx") is None
    assert directory.changes == []


def test_outage_answers_from_cache_within_grace_then_tempfails(
    private_slapd: SlapdServer, make_directory: MakeDirectory
) -> None:
    directory = make_directory(private_slapd)
    found = directory.ldap.by_address(ANALISTA)
    assert found is not None
    private_slapd.stop()

    directory.clock.advance(TTL)
    assert directory.ldap.by_address(ANALISTA) == found
    assert directory.health == [False]
    assert "Connection refused" in directory.changes[0][1]

    with pytest.raises(DirectoryUnavailableError):
        directory.ldap.by_address("director.prueba@sre.gob.mx")

    directory.clock.advance(GRACE - 1)
    assert directory.ldap.by_address(ANALISTA) == found

    directory.clock.advance(1)
    with pytest.raises(DirectoryUnavailableError):
        directory.ldap.by_address(ANALISTA)
    assert directory.health == [False]


def test_outage_does_not_serve_stale_unknowns(
    private_slapd: SlapdServer, make_directory: MakeDirectory
) -> None:
    """A negative answer may be out of date: an account created since must not bounce."""
    directory = make_directory(private_slapd)
    assert directory.ldap.by_address("nadie@sre.gob.mx") is None
    private_slapd.stop()
    directory.clock.advance(NEGATIVE_TTL)

    with pytest.raises(DirectoryUnavailableError):
        directory.ldap.by_address("nadie@sre.gob.mx")


def test_outage_with_fail_mode_unknown_answers_none_after_grace(
    private_slapd: SlapdServer, make_directory: MakeDirectory
) -> None:
    directory = make_directory(private_slapd, fail_mode="unknown")
    found = directory.ldap.by_login("mprueba")
    private_slapd.stop()

    directory.clock.advance(TTL + 1)
    assert directory.ldap.by_login("mprueba") == found
    assert directory.ldap.by_address("director.prueba@sre.gob.mx") is None

    directory.clock.advance(GRACE)
    assert directory.ldap.by_login("mprueba") is None
    assert directory.health == [False]


def test_recovers_by_itself_when_ldap_comes_back(
    private_slapd: SlapdServer, make_directory: MakeDirectory
) -> None:
    directory = make_directory(private_slapd)
    private_slapd.stop()
    with pytest.raises(DirectoryUnavailableError):
        directory.ldap.by_address(ANALISTA)

    private_slapd.start()
    directory.clock.advance(RETRY / 2)
    with pytest.raises(DirectoryUnavailableError, match="waiting to retry"):
        directory.ldap.by_address(ANALISTA)

    directory.clock.advance(RETRY / 2)
    account = directory.ldap.by_address(ANALISTA)

    assert account is not None
    assert account.rank == "Jefe de Departamento"
    assert directory.health == [False, True]
    assert directory.ldap.healthy


def test_reconnects_quietly_when_ldap_restarts_between_lookups(
    private_slapd: SlapdServer, make_directory: MakeDirectory
) -> None:
    directory = make_directory(private_slapd)
    assert directory.ldap.by_address(ANALISTA) is not None

    private_slapd.stop()
    private_slapd.start()
    directory.clock.advance(TTL)

    assert directory.ldap.by_address(ANALISTA) is not None
    assert directory.changes == []


def test_unreachable_from_the_start_tempfails(
    tmp_path: Path, password_file: Path, organisations: tuple[Organisation, ...]
) -> None:
    never_started = SlapdServer(tmp_path)
    directory = ObservedDirectory(_settings(never_started, password_file), organisations)

    with pytest.raises(DirectoryUnavailableError):
        directory.ldap.by_login("mprueba")
    assert directory.health == [False]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        pytest.param({"urls": ["http://127.0.0.1"]}, "ldap://", id="not-ldap-url"),
        pytest.param({"urls": []}, "at least 1", id="no-url"),
        pytest.param({"user_filter": "(mail=%s)"}, "{address}", id="no-placeholder"),
        pytest.param({"user_filter": "(mail={address}"}, "balanced", id="unbalanced"),
        pytest.param({"login_filter": "(uid={address})"}, "{login}", id="wrong-placeholder"),
        pytest.param({"bind_dn": None}, "bind_dn", id="password-without-dn"),
        pytest.param({"bind_password_env": "PW"}, "not both", id="two-passwords"),
        pytest.param({"bind_password": "secreto"}, "Extra inputs", id="inline-password"),
        pytest.param(
            {"urls": ["ldaps://127.0.0.1"], "start_tls": True}, "start_tls", id="tls-twice"
        ),
        pytest.param({"fail_mode": "accept"}, "tempfail", id="unknown-fail-mode"),
    ],
)
def test_rejects_bad_settings(
    tmp_path: Path, password_file: Path, overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        _settings(SlapdServer(tmp_path), password_file, **overrides)


def test_names_ranks_and_organisations_the_policies_lack(
    tmp_path: Path, password_file: Path, organisations: tuple[Organisation, ...]
) -> None:
    settings = _settings(
        SlapdServer(tmp_path),
        password_file,
        rank_map={"Profesora": "Maestra"},
        default_rank="Becario",
        organisation_by_base_dn={EDUGEM_PEOPLE: "edugem", SRE_PEOPLE: "cancilleria"},
    )

    assert ladder_problems(settings, organisations) == [
        (("rank_map", "Profesora"), "rank 'Maestra' is on no organisation's ladder"),
        (("default_rank",), "rank 'Becario' is on no organisation's ladder"),
        (("organisation_by_base_dn", SRE_PEOPLE), "unknown organisation 'cancilleria'"),
    ]


def test_silent_server_costs_one_timeout_then_answers_at_once(
    tmp_path: Path, password_file: Path, organisations: tuple[Organisation, ...]
) -> None:
    """A server that accepts connections but never answers must not stall every message."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"ldap://127.0.0.1:{silent.getsockname()[1]}"
        settings = _settings(SlapdServer(tmp_path), password_file, urls=[url], timeout_seconds=0.5)
        directory = ObservedDirectory(settings, organisations)

        started = time.monotonic()
        with pytest.raises(DirectoryUnavailableError):
            directory.ldap.by_address(ANALISTA)
        first = time.monotonic() - started

        started = time.monotonic()
        with pytest.raises(DirectoryUnavailableError, match="waiting to retry"):
            directory.ldap.by_address("director.prueba@sre.gob.mx")
        second = time.monotonic() - started

    assert first < 3
    assert second < 0.1
    assert directory.health == [False]


@pytest.fixture(scope="module")
def tls_slapd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlapdServer]:
    _require_slapd()
    with SlapdServer(tmp_path_factory.mktemp("slapd-tls"), tls=True) as server:
        yield server


def test_start_tls_with_the_directory_ca(
    tls_slapd: SlapdServer, make_directory: MakeDirectory
) -> None:
    directory = make_directory(tls_slapd, start_tls=True, ca_file=tls_slapd.ca_file)

    assert directory.ldap.by_address(ANALISTA) is not None
    assert directory.changes == []


def test_start_tls_refuses_a_certificate_it_cannot_verify(
    tls_slapd: SlapdServer, make_directory: MakeDirectory
) -> None:
    directory = make_directory(tls_slapd, start_tls=True)

    with pytest.raises(DirectoryUnavailableError):
        directory.ldap.by_address(ANALISTA)
    assert directory.health == [False]


def test_start_tls_refuses_a_certificate_for_another_host_name(
    tls_slapd: SlapdServer, make_directory: MakeDirectory
) -> None:
    """The certificate names 127.0.0.1, not localhost: a trusted CA is not enough."""
    directory = make_directory(
        tls_slapd,
        urls=[f"ldap://localhost:{tls_slapd.port}"],
        start_tls=True,
        ca_file=tls_slapd.ca_file,
    )

    with pytest.raises(DirectoryUnavailableError, match="doesn't match any name"):
        directory.ldap.by_address(ANALISTA)
    assert directory.health == [False]
