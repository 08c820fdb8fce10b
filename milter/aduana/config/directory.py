"""Settings of the directory backends: a YAML file, or LDAP / Active Directory.

The bind password is never written in the YAML: it comes from a file
(``bind_password_file``) or an environment variable (``bind_password_env``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from aduana.config.base import Strict

_URL = re.compile(r"^ldaps?://[^\s/]+/?$", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"\{(\w+)\}")

OPENLDAP_USER_FILTER = (
    "(&(objectClass=inetOrgPerson)(|(mail={address})(mailAlternateAddress={address})))"
)


class LdapDirectorySettings(Strict):
    """Where the directory is, how to read an account from it, and what to do when it is down."""

    backend: Literal["ldap"]
    urls: tuple[str, ...] = Field(min_length=1, description="Tried in order, for failover")
    start_tls: bool = False
    ca_file: Path | None = None
    bind_dn: str | None = None
    bind_password_file: Path | None = None
    bind_password_env: str | None = None

    base_dn: str = Field(min_length=1)
    user_filter: str = OPENLDAP_USER_FILTER
    login_filter: str = "(&(objectClass=inetOrgPerson)(uid={login}))"

    mail_attribute: str = "mail"
    alias_attributes: tuple[str, ...] = ("mailAlternateAddress",)
    name_attribute: str = "cn"
    login_attribute: str | None = "uid"
    unit_attribute: str = "ou"
    rank_attribute: str = "title"
    rank_map: dict[str, str] = Field(
        default_factory=dict, description="Attribute value -> rank on the ladder"
    )
    default_rank: str | None = Field(
        default=None, description="Rank for unmapped values; the lowest of the ladder if unset"
    )

    status_attribute: str | None = None
    suspended_values: tuple[str, ...] = ()
    cancelled_values: tuple[str, ...] = ()
    member_of_attribute: str = "memberOf"
    suspended_group_dn: str | None = None
    cancelled_group_dn: str | None = None
    account_control_attribute: str = "userAccountControl"
    disabled_account_is: Literal["ignored", "suspended", "cancelled"] = "ignored"

    organisation_by_base_dn: dict[str, str] = Field(
        default_factory=dict,
        description="Entries under this DN belong to this organisation; else by mail domain",
    )

    timeout_seconds: float = Field(default=2.0, gt=0, le=30)
    pool_size: int = Field(default=4, ge=1, le=64)
    cache_ttl_seconds: float = Field(default=300, ge=0)
    negative_cache_ttl_seconds: float = Field(default=60, ge=0)
    stale_grace_seconds: float = Field(default=3600, ge=0)
    retry_seconds: float = Field(
        default=10, gt=0, description="While LDAP is down, try it again at most this often"
    )
    cache_max_entries: int = Field(default=100_000, ge=1)
    fail_mode: Literal["tempfail", "unknown"] = "tempfail"
    list_filter: str | None = None
    """Every account, for reports; default: user_filter with {address} as '*' (presence)."""
    page_size: int = Field(default=500, ge=1, le=10_000)
    """Entries per page of a report's paged search (RFC 2696)."""

    @property
    def accounts_filter(self) -> str:
        return self.list_filter or self.user_filter.replace("{address}", "*")

    @field_validator("urls")
    @classmethod
    def _ldap_urls(cls, urls: tuple[str, ...]) -> tuple[str, ...]:
        for url in urls:
            if not _URL.match(url):
                raise ValueError(
                    f"{url!r} must look like ldap://HOST[:PORT] or ldaps://HOST[:PORT]"
                )
        return urls

    @field_validator("user_filter")
    @classmethod
    def _user_filter(cls, text: str) -> str:
        return _check_filter(text, "address")

    @field_validator("login_filter")
    @classmethod
    def _login_filter(cls, text: str) -> str:
        return _check_filter(text, "login")

    @model_validator(mode="after")
    def _secrets_and_tls(self) -> LdapDirectorySettings:
        if self.bind_password_file is not None and self.bind_password_env is not None:
            raise ValueError("give bind_password_file or bind_password_env, not both")
        has_password = self.bind_password_file is not None or self.bind_password_env is not None
        if has_password and self.bind_dn is None:
            raise ValueError("a bind password needs a bind_dn")
        if self.start_tls and any(url.lower().startswith("ldaps://") for url in self.urls):
            raise ValueError("start_tls is for ldap:// URLs; ldaps:// is already TLS")
        return self

    def bind_password(self, environ: Mapping[str, str] | None = None) -> str | None:
        """Read the bind password from its file or variable; raises ValueError if missing."""
        if self.bind_password_file is not None:
            try:
                return self.bind_password_file.read_text(encoding="utf-8").rstrip("\r\n")
            except OSError as error:
                raise ValueError(
                    f"cannot read bind_password_file {self.bind_password_file}: {error.strerror}"
                ) from error
        if self.bind_password_env is not None:
            value = (os.environ if environ is None else environ).get(self.bind_password_env)
            if not value:
                raise ValueError(f"environment variable {self.bind_password_env} is not set")
            return value
        return None


def _check_filter(text: str, placeholder: str) -> str:
    names = set(_PLACEHOLDER.findall(text))
    if names != {placeholder}:
        raise ValueError(f"must use the placeholder {{{placeholder}}} and no other")
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            break
    if depth != 0 or not text.startswith("(") or not text.endswith(")"):
        raise ValueError("must be one LDAP filter in balanced parentheses")
    return text


class FileDirectorySettings(Strict):
    backend: Literal["file"] = "file"
    path: Path


DirectorySettings = Annotated[
    FileDirectorySettings | LdapDirectorySettings, Field(discriminator="backend")
]
