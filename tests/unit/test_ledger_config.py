"""The ledger and notice keys: a bad value names the file, the YAML path and the problem."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from aduana.cli import main
from aduana.config.errors import ConfigError
from aduana.config.loader import load_settings
from aduana.ledger.backends import open_ledger
from aduana.ledger.postgres_store import PostgresLedger
from aduana.ledger.sqlite_store import SqliteLedger
from aduana.policy.vocabulary import VOCABULARY
from tests.conftest import SHIPPED_CONFIG

LEDGER = "ledger:\n  enabled: true\n"
SHIPPED_BACKEND = "  backend: sqlite\n"


@pytest.fixture
def config(tmp_path: Path) -> Path:
    shutil.copytree(SHIPPED_CONFIG.parent, tmp_path / "config")
    config = tmp_path / "config" / "aduana.yaml"
    text = config.read_text(encoding="utf-8").replace(
        "/var/lib/aduana/ledger.sqlite", str(tmp_path / "ledger.sqlite")
    )
    config.write_text(text, encoding="utf-8")
    return config


def with_ledger(config: Path, keys: str) -> Path:
    text = config.read_text(encoding="utf-8")
    assert LEDGER + SHIPPED_BACKEND in text
    config.write_text(text.replace(LEDGER + SHIPPED_BACKEND, LEDGER + keys, 1), encoding="utf-8")
    return config


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        pytest.param(
            "  backend: postgresql\n",
            "ledger: Value error, backend postgresql needs a postgresql: block with its dsn",
            id="postgresql without a database",
        ),
        pytest.param(
            '  backend: postgresql\n  postgresql:\n    dsn: "host=db user=aduana password=x"\n',
            "ledger.postgresql.dsn: Value error, holds a password;"
            " put it in password_env or password_file",
            id="password in the dsn",
        ),
        pytest.param(
            '  backend: postgresql\n  postgresql:\n    dsn: "host=db nonsense"\n',
            "ledger.postgresql.dsn: Value error, not a libpq connection string",
            id="unparsable dsn",
        ),
        pytest.param("  backend: mysql\n", "ledger.backend: Input should be", id="unknown backend"),
    ],
)
def test_a_bad_ledger_backend_is_refused_naming_file_and_path(
    config: Path, capsys: pytest.CaptureFixture[str], keys: str, expected: str
) -> None:
    with_ledger(config, keys)

    assert main(["check-config", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert str(config) in err
    assert expected in err


def test_the_database_password_comes_from_a_file_beside_the_configuration(config: Path) -> None:
    (config.parent / "ledger.password").write_text("s3creta\n", encoding="utf-8")
    with_ledger(
        config,
        "  backend: postgresql\n  postgresql:\n"
        '    dsn: "host=127.0.0.1 port=1 dbname=aduana user=aduana"\n'
        "    password_file: ledger.password\n",
    )

    ledger = open_ledger(load_settings(config, VOCABULARY))

    assert isinstance(ledger, PostgresLedger)
    ledger.close()


def test_a_missing_password_file_names_its_yaml_path(config: Path) -> None:
    with_ledger(
        config,
        '  backend: postgresql\n  postgresql:\n    dsn: "host=127.0.0.1"\n'
        "    password_file: missing.password\n",
    )

    with pytest.raises(ConfigError) as caught:
        open_ledger(load_settings(config, VOCABULARY))

    [problem] = caught.value.problems
    assert "ledger.postgresql.password.file: cannot read secret file" in str(problem)


def test_sqlite_is_the_default_and_the_old_activity_backend_name_still_loads(
    config: Path,
) -> None:
    with_ledger(config, "  activity_backend: sqlite\n")  # and no backend: key

    settings = load_settings(config, VOCABULARY)

    assert settings.daemon.ledger.activity_backend == "ledger"
    ledger = open_ledger(settings)
    assert isinstance(ledger, SqliteLedger)
    ledger.close()
