"""Which organisation an address, a domain or an id belongs to, in the settings in force."""

from __future__ import annotations

from aduana.config.loader import Settings
from aduana.config.schema import Organisation
from aduana.mta.addresses import domain_of


def organisation_by_id(settings: Settings, organisation_id: str) -> Organisation | None:
    return next((o for o in settings.organisations if o.id == organisation_id), None)


def organisation_of(settings: Settings, address: str) -> Organisation | None:
    """The organisation whose domain (or subdomain wildcard) the address belongs to."""
    return organisation_of_domain(settings, domain_of(address))


def organisation_of_domain(settings: Settings, domain: str) -> Organisation | None:
    found = settings.by_domain.get(domain)
    while found is None and domain:
        _, dot, domain = domain.partition(".")
        found = settings.by_domain.get("." + domain) if dot and domain else None
    return found


def default_organisation(settings: Settings) -> Organisation:
    """Governs mail that matches no organisation; its existence is checked at load."""
    found = organisation_by_id(settings, settings.daemon.default_organisation)
    assert found is not None
    return found
