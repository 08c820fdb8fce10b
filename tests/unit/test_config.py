"""Configuration errors name the file, the YAML path and the problem."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from aduana.cli import main
from aduana.config.errors import ConfigError
from aduana.gateway.runtime import build_runtime
from tests.conftest import SHIPPED_CONFIG

Edit = Callable[[str], str]


@pytest.fixture
def config_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped configuration tree."""
    shutil.copytree(SHIPPED_CONFIG.parent, tmp_path / "config")
    return tmp_path / "config"


def edit(file: Path, old: str, new: str) -> None:
    text = file.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {file}"
    file.write_text(text.replace(old, new, 1), encoding="utf-8")


def problems_of(config: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        build_runtime(config / "aduana.yaml")
    return [str(p) for p in caught.value.problems]


def test_shipped_configuration_is_valid(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-config", "--config", str(SHIPPED_CONFIG)]) == 0
    assert "OK" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        ("policies/sre.yaml", "max_size: 5 MiB", "max_size: cinco",
         "policies/sre.yaml:{line}: organisations[0].rules.size.caps[0].max_size: could not parse"),
        ("policies/sre.yaml", "up_to_rank: Jefe de Departamento", "up_to_rank: Jefe de Piso",
         "policies/sre.yaml:{line}: organisations[0].rules.size.caps[0].up_to_rank: unknown rank "
         "'Jefe de Piso'"),
        ("policies/sre.yaml", 'unknown_account: {clause: "SRE 3"}',
         'unknown_account: {clause: "SRE 3", acción: reject}',
         "policies/sre.yaml:{line}: organisations[0].rules.identity.unknown_account.acción: "
         "Extra inputs are not permitted"),
        ("policies/edugem.yaml", "domains: [seiem.edu.mx]", "domains: [edugem.gob.mx]",
         "policies/edugem.yaml:{line}: organisations[1].domains[0]: domain 'edugem.gob.mx' already "
         "belongs to 'edugem'"),
        ("policies/edugem.yaml", "language: es", "language: fr",
         "policies/edugem.yaml:{line}: organisations[0].language: Input should be 'es' or 'en'"),
        ("aduana.yaml", 'socket: "inet:10025@127.0.0.1"', 'socket: "tcp:10025"',
         "aduana.yaml:{line}: milter.socket: Value error, must look like inet:PORT@HOST"),
        ("aduana.yaml", "  - policies/edugem.yaml", "  - policies/nada.yaml",
         "aduana.yaml:{line}: policies[1]: no such file"),
        ("directory/cuentas.yaml", "rank: Director General\n", "rank: Director Supremo\n",
         "directory/cuentas.yaml:{line}: accounts[1].rank: rank 'Director Supremo' is not on the "
         "ladder of 'sre'"),
        ("directory/cuentas.yaml", "status: suspended", "status: vacaciones",
         "directory/cuentas.yaml:{line}: accounts[2].status: Input should be 'active', 'suspended' "
         "or 'cancelled'"),
        ("aduana.yaml", "    identity: high", "    identidad: high",
         "aduana.yaml:{line}: ledger.severities: Value error, 'identidad' is not a rule family"),
        ("approvals/aprobaciones.yaml", "lifts: [recipients_per_message]",
         "lifts: [attachment:exe]",
         "aprobaciones.yaml:16: approvals[1]: Value error, cannot lift 'attachment:exe'"),
        ("policies/sre.yaml", "          accounts: []", "          from_rank: Embajador",
         "policies/sre.yaml:{line}: organisations[0].rules.encryption.authorised.from_rank: "
         "unknown rank 'Embajador'"),
        ("policies/sre.yaml", "    language: es\n", "    language: es\n  language: [\n",
         "policies/sre.yaml:{line+1}: (top level): invalid YAML: expected <block end>, "
         "but found '?' (while parsing a block collection)"),
    ],
)  # fmt: skip
def test_bad_file_is_named_with_yaml_path_and_problem(
    config_copy: Path, file: str, old: str, new: str, expected: str
) -> None:
    text = (config_copy / file).read_text(encoding="utf-8")
    line = text[: text.index(old)].count("\n") + 1
    expected = expected.replace("{line}", str(line)).replace("{line+1}", str(line + 1))
    edit(config_copy / file, old, new)
    problems = problems_of(config_copy)
    assert any(expected in p for p in problems), problems
    assert all(str(config_copy) in p for p in problems)


def test_check_config_exits_non_zero_and_prints_every_problem(
    config_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(config_copy / "policies/sre.yaml", "max_size: 5 MiB", "max_size: -3")
    edit(config_copy / "aduana.yaml", "level: info", "level: chatty")
    status = main(["check-config", "--config", str(config_copy / "aduana.yaml")])
    err = capsys.readouterr().err
    assert status == 2
    assert "aduana.yaml:15: logging.level: Input should be" in err


def test_unknown_template_placeholder_is_refused(config_copy: Path) -> None:
    (config_copy / "templates").mkdir()
    (config_copy / "templates" / "es.yaml").write_text(
        'message_size: "Mide $size de $limite"\n', encoding="utf-8"
    )
    edit(config_copy / "aduana.yaml", "language: es\n", "language: es\ntemplates: templates\n")
    [problem] = problems_of(config_copy)
    assert "templates/es.yaml" in problem
    assert "message_size: bad placeholder ['limite']" in problem


def test_csv_directory_loads_and_reports_row_lines(config_copy: Path) -> None:
    csv_file = config_copy / "directory" / "cuentas.csv"
    csv_file.write_text(
        "address,name,rank,unit,organisation,status,login,aliases\n"
        "uno@sre.gob.mx,Uno,Enlace,DGCI,sre,active,,\n"
        "dos@sre.gob.mx,Dos,Director General,DGCI,sre,suspended,dos,dos.alias@sre.gob.mx\n",
        encoding="utf-8",
    )
    edit(config_copy / "aduana.yaml", "path: directory/cuentas.yaml", "path: directory/cuentas.csv")
    directory = build_runtime(config_copy / "aduana.yaml").directory
    dos = directory.by_login("DOS")
    assert dos is not None
    assert dos.status == "suspended"
    assert directory.by_address("dos.alias@sre.gob.mx") == dos
    with csv_file.open("a", encoding="utf-8") as handle:
        handle.write("tres@edugem.gob.mx,Tres,Enlace,DGCI,sre,active,,\n")
    [problem] = problems_of(config_copy)
    assert problem.endswith(
        "directory/cuentas.csv:4: accounts[2].address: domain is not one of 'sre': "
        "sre.gob.mx, *.sre.gob.mx"
    )
