"""Reports on the LDAP backend against a real slapd: the paged account listing, the
inactive report joined with the ledger, and each unit head told about their unit."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from aduana.config.directory import LdapDirectorySettings
from aduana.directory.account import AccountStatus
from aduana.directory.ldap import LdapDirectory
from aduana.gateway.runtime import Runtime
from aduana.ledger import SqliteLedger
from tests.conftest import SHIPPED_CONFIG
from tests.e2e.harness import RecordingSink
from tests.support.slapd import (
    EDUGEM_PEOPLE,
    SERVICE_DN,
    SERVICE_PASSWORD,
    SRE_PEOPLE,
    SRE_SUSPENDED_GROUP,
    SUFFIX,
    SlapdServer,
    slapd_available,
)

ANALISTA = "analista.prueba@sre.gob.mx"
DIRECTOR = "director.prueba@sre.gob.mx"
MAESTRA = "maestra.prueba@edugem.gob.mx"
SRE_DESK = "mesa.servicios@sre.gob.mx"
EDUGEM_DESK = "mesadeservicios@edugem.gob.mx"
DGCI = "Dirección General de Comunicaciones e Informática"


@pytest.fixture(scope="module")
def slapd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlapdServer]:
    if not slapd_available():
        pytest.skip("needs slapd (apt-get install -y slapd ldap-utils)")
    with SlapdServer(tmp_path_factory.mktemp("slapd")) as server:
        yield server


@pytest.fixture(scope="module")
def password_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("secret") / "bind-password"
    path.write_text(SERVICE_PASSWORD + "\n")
    path.chmod(0o600)
    return path


def directory_yaml(server: SlapdServer, password_file: Path, page_size: int) -> str:
    return f"""directory:
  backend: ldap
  urls: ["{server.url}"]
  bind_dn: "{SERVICE_DN}"
  bind_password_file: "{password_file}"
  base_dn: "{SUFFIX}"
  rank_map: {{Profesora: Docente}}
  status_attribute: accountStatus
  cancelled_values: [baja, cancelada]
  suspended_group_dn: "{SRE_SUSPENDED_GROUP}"
  disabled_account_is: cancelled
  organisation_by_base_dn:
    "{SRE_PEOPLE.split(",", 1)[1]}": sre
    "{EDUGEM_PEOPLE.split(",", 1)[1]}": edugem
  page_size: {page_size}
"""


def test_lists_every_account_page_by_page(
    slapd: SlapdServer, password_file: Path, shipped_runtime: Runtime
) -> None:
    """Two entries a page: the listing still holds the whole directory, mapped like lookups."""
    values = yaml.safe_load(directory_yaml(slapd, password_file, 2))["directory"]
    settings = LdapDirectorySettings.model_validate(values)
    ldap = LdapDirectory(
        settings, shipped_runtime.settings.organisations, lambda: 0.0, lambda *_: None
    )
    try:
        accounts = {a.address: a for a in ldap.accounts()}
    finally:
        ldap.close()
    assert sorted(accounts) == sorted(
        [
            ANALISTA, DIRECTOR, "suspendido.prueba@sre.gob.mx", "cancelado.prueba@sre.gob.mx",
            MAESTRA, "director.udai@edugem.gob.mx", "baja.prueba@edugem.gob.mx",
            "ti.prueba@seiem.edu.mx",
        ]
    )  # fmt: skip
    assert accounts["suspendido.prueba@sre.gob.mx"].status is AccountStatus.SUSPENDED
    assert accounts["baja.prueba@edugem.gob.mx"].status is AccountStatus.CANCELLED
    assert accounts[ANALISTA] == ldap.by_address(ANALISTA)


def ldap_config(tmp_path: Path, slapd: SlapdServer, password_file: Path, extra: str = "") -> Path:
    config_dir = tmp_path / "config"
    shutil.copytree(SHIPPED_CONFIG.parent, config_dir)
    config = config_dir / "aduana.yaml"
    text = config.read_text(encoding="utf-8")
    text = text.replace("/var/lib/aduana/ledger.sqlite", str(tmp_path / "ledger.sqlite"))
    text = text.replace(
        "directory:\n  backend: file\n  path: directory/cuentas.yaml\n",
        directory_yaml(slapd, password_file, 3),
    )
    config.write_text(text + extra, encoding="utf-8")
    return config


def report(config: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "aduana", "report", "inactive", "--config", str(config), *options],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def test_inactive_report_on_ldap_leaves_out_accounts_that_sent(
    slapd: SlapdServer, password_file: Path, tmp_path: Path
) -> None:
    config = ldap_config(tmp_path, slapd, password_file)
    with SqliteLedger(tmp_path / "ledger.sqlite") as ledger:
        ledger.record_send(DIRECTOR, datetime.now(UTC))
    result = report(config)
    assert result.returncode == 0, result.stderr
    listed = [line.split(",")[2] for line in result.stdout.splitlines()[1:]]
    assert ANALISTA in listed
    assert MAESTRA in listed
    assert DIRECTOR not in listed  # sent today
    assert "suspendido.prueba@sre.gob.mx" not in listed  # already suspended
    assert "baja.prueba@edugem.gob.mx" not in listed  # already cancelled


def test_notify_sends_each_unit_head_the_list_of_their_unit(
    slapd: SlapdServer, password_file: Path, tmp_path: Path
) -> None:
    with RecordingSink() as sink:
        notices = f"\nnotices:\n  smtp_host: 127.0.0.1\n  smtp_port: {sink.port}\n"
        config = ldap_config(tmp_path, slapd, password_file)
        text = config.read_text(encoding="utf-8")
        text = text.replace(
            "notices:\n  enabled: true\n  smtp_host: 127.0.0.1\n  smtp_port: 25\n", ""
        )
        config.write_text(text + notices, encoding="utf-8")
        result = report(config, "--notify", "--format", "json")
        assert result.returncode == 0, result.stderr
        to_sre = sink.wait_for(lambda d: SRE_DESK in d.rcpt_tos, timeout=10)
        to_edugem = sink.wait_for(lambda d: EDUGEM_DESK in d.rcpt_tos, count=2, timeout=10)
    dgci = [d for d in to_sre if DGCI in str(d.header("Subject"))]
    assert len(dgci) == 1
    body = dgci[0].message.get_content()
    assert ANALISTA in body
    assert DIRECTOR in body  # never sent: this ledger is empty
    assert MAESTRA not in body  # another unit, another head
    assert dgci[0].mail_from == "<>"
    assert dgci[0].header("Auto-Submitted") == "auto-generated"
    assert any(MAESTRA in d.message.get_content() for d in to_edugem)
