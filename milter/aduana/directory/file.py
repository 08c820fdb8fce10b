"""A directory read from a YAML or CSV file: the default for one node."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from aduana.config.errors import ConfigError, Problem
from aduana.config.schema import Organisation
from aduana.config.yamlfile import read_yaml
from aduana.directory.account import Account, AccountStatus
from aduana.mta.addresses import domain_of, in_domains


class AccountRecord(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    address: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    name: str = Field(min_length=1)
    rank: str = Field(min_length=1)
    unit: str = Field(min_length=1)
    organisation: str = Field(min_length=1)
    status: AccountStatus = AccountStatus.ACTIVE
    login: str | None = None
    aliases: tuple[str, ...] = ()

    @field_validator("login", mode="before")
    @classmethod
    def _blank_login(cls, login: object) -> object:
        return None if login == "" else login

    @field_validator("aliases", mode="before")
    @classmethod
    def _csv_aliases(cls, aliases: object) -> object:
        if isinstance(aliases, str):
            return tuple(a.strip() for a in aliases.split(";") if a.strip())
        return aliases


@dataclass(frozen=True)
class FileDirectory:
    """An immutable in-memory index of the accounts in one file."""

    by_address_index: Mapping[str, Account]
    by_login_index: Mapping[str, Account]

    def by_address(self, address: str) -> Account | None:
        return self.by_address_index.get(address.casefold())

    def by_login(self, login: str) -> Account | None:
        return self.by_login_index.get(login.casefold())

    def __len__(self) -> int:
        return len(self.accounts())

    def accounts(self) -> tuple[Account, ...]:
        """Every account once (aliases point at the same account)."""
        return tuple({a.address: a for a in self.by_address_index.values()}.values())


def load_file_directory(file: Path, organisations: Iterable[Organisation]) -> FileDirectory:
    """Load accounts from ``.yaml``/``.yml`` (a list under ``accounts``) or ``.csv``."""
    known = {org.id: org for org in organisations}
    rows, locate = _rows(file)
    problems: list[Problem] = []
    by_address: dict[str, Account] = {}
    by_login: dict[str, Account] = {}
    for index, row in enumerate(rows):
        path: tuple[str | int, ...] = ("accounts", index)
        try:
            record = AccountRecord.model_validate(row)
        except ValidationError as error:
            problems.extend(
                locate((*path, *e["loc"]), e["msg"]) for e in error.errors(include_url=False)
            )
            continue
        problem = _check_record(record, known)
        if problem is not None:
            field_name, message = problem
            problems.append(locate((*path, field_name), message))
            continue
        account = Account(**record.model_dump())
        for address in (account.address, *account.aliases):
            if address.casefold() in by_address:
                problems.append(locate((*path, "address"), f"{address} appears twice"))
            by_address[address.casefold()] = account
        if account.login_name.casefold() in by_login:
            problems.append(locate((*path, "login"), f"login {account.login_name} appears twice"))
        by_login[account.login_name.casefold()] = account
    if problems:
        raise ConfigError(problems)
    return FileDirectory(MappingProxyType(by_address), MappingProxyType(by_login))


def _check_record(
    record: AccountRecord, known: Mapping[str, Organisation]
) -> tuple[str, str] | None:
    org = known.get(record.organisation)
    if org is None:
        return "organisation", f"unknown organisation {record.organisation!r}"
    if record.rank not in org.ranks:
        return "rank", f"rank {record.rank!r} is not on the ladder of {org.id!r}"
    if not in_domains(domain_of(record.address), org.domains):
        return "address", f"domain is not one of {org.id!r}: {', '.join(org.domains)}"
    return None


Locator = Any


def _rows(file: Path) -> tuple[list[Any], Locator]:
    if file.suffix.lower() == ".csv":
        return _csv_rows(file)
    document = read_yaml(file)
    data = document.data
    if not isinstance(data, dict) or not isinstance(data.get("accounts"), list):
        raise ConfigError([document.problem((), "must be a mapping with a list under 'accounts'")])
    return data["accounts"], document.problem


def _csv_rows(file: Path) -> tuple[list[Any], Locator]:
    try:
        with file.open(newline="", encoding="utf-8") as handle:
            rows = [
                {k: v for k, v in row.items() if v not in (None, "")}
                for row in csv.DictReader(handle)
            ]
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise ConfigError([Problem(file, (), f"cannot read CSV: {error}")]) from error

    def locate(path: tuple[str | int, ...], message: str) -> Problem:
        # Row 0 is on line 2, after the header line.
        line = path[1] + 2 if len(path) > 1 and isinstance(path[1], int) else None
        return Problem(file, path, message, line)

    return rows, locate
