"""Small helpers for e-mail addresses as they appear in SMTP and headers."""

from __future__ import annotations

from collections.abc import Sequence


def domain_of(address: str) -> str:
    """The domain part of an address, lower-cased ('' when there is none)."""
    _, at, domain = address.rpartition("@")
    return domain.lower() if at else ""


def parse_address(argument: str) -> str:
    """The address inside an SMTP path argument like ``<user@example.org>``."""
    return argument.strip().removeprefix("<").removesuffix(">").strip()


def in_domains(domain: str, domains: Sequence[str]) -> bool:
    """Whether the domain is one of ``domains``, directly or under a ``*.`` entry."""
    domain = domain.lower()
    return any(d == domain or (d.startswith("*.") and domain.endswith(d[1:])) for d in domains)
