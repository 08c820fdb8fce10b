"""Institutional accounts and the directory protocol every backend implements."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, runtime_checkable


class AccountStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Account:
    """One personal institutional mailbox and who holds it."""

    address: str
    name: str
    rank: str
    unit: str
    organisation: str
    status: AccountStatus = AccountStatus.ACTIVE
    login: str | None = None
    aliases: tuple[str, ...] = ()

    def owns(self, address: str) -> bool:
        """Whether mail may say it comes from ``address`` on this account's behalf."""
        wanted = address.casefold()
        return wanted == self.address.casefold() or any(
            wanted == alias.casefold() for alias in self.aliases
        )

    @property
    def login_name(self) -> str:
        """The SMTP AUTH login; the address unless the directory says otherwise."""
        return self.login or self.address


class DirectoryUnavailableError(Exception):
    """The directory is down and no cached answer is recent enough; the MTA should
    retry later."""


class DirectoryQueryError(Exception):
    """LDAP answered a search with an error that is not an outage (ACLs, a bad base DN...)."""


class Directory(Protocol):
    """Answers who is behind an address or a login."""

    def by_address(self, address: str) -> Account | None: ...

    def by_login(self, login: str) -> Account | None: ...


@runtime_checkable
class AccountLister(Protocol):
    """A directory that can list its accounts (for reports): the file and LDAP backends."""

    def accounts(self) -> Sequence[Account]: ...
