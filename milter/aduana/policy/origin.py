"""Who is really sending: the one decision of origin and responsible organisation.

The sender's own ``MAIL FROM`` never chooses the policy. The origin comes from
what the MTA vouches for: a SASL login, or the client's address. Then:

- authenticated: the login's account answers for the mail, and its organisation
  governs it, whatever ``MAIL FROM`` says;
- internal: the sender address's organisation governs it; an address outside
  every institutional domain falls to the default organisation (and is refused
  by ``identity.foreign_sender``); the null sender is the MTA's own bounce;
- internet: nobody governs it as sender; the recipients' organisations do, as
  inbound mail, and the default organisation when no recipient has one.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address, ip_address

from aduana.config.loader import Settings
from aduana.directory.account import Account
from aduana.policy.facts import Envelope, Origin, Provenance
from aduana.policy.organisations import default_organisation, organisation_by_id, organisation_of


def client_ip(address: str | None) -> IPv4Address | IPv6Address | None:
    """The client's IP address as the MTA reported it; None when absent or unreadable."""
    if not address:
        return None
    text = address.strip().removeprefix("[").removesuffix("]")
    if text[:5].lower() == "ipv6:":
        text = text[5:]
    try:
        ip = ip_address(text.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(ip, IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def in_networks(settings: Settings, address: str | None, *, relays: bool = True) -> bool:
    ip = client_ip(address)
    if ip is None:
        return False
    origin = settings.daemon.origin
    networks = origin.internal_networks + (origin.trusted_relays if relays else ())
    return any(ip in network for network in networks)


def origin_of(settings: Settings, envelope: Envelope) -> Origin:
    if envelope.login:
        return Origin.AUTHENTICATED
    if in_networks(settings, envelope.client_address):
        return Origin.INTERNAL
    return Origin.INTERNET


def establish(
    settings: Settings,
    envelope: Envelope,
    sender_account: Account | None,
    login_account: Account | None,
) -> Provenance:
    """Decide the origin, the governing organisation and the answerable account."""
    origin = origin_of(settings, envelope)
    sender_org = organisation_of(settings, envelope.sender) if envelope.sender else None
    institutional = sender_org is not None
    if origin is Origin.AUTHENTICATED:
        org = None
        if login_account is not None:
            org = organisation_by_id(settings, login_account.organisation)
        # An unknown login owns nothing; its refusal is cited by its own domain's
        # organisation or the default one, never by one the sender address picks.
        org = org or organisation_of(settings, envelope.login or "")
        return Provenance(
            origin,
            (org or default_organisation(settings)).id,
            login_account,
            institutional_sender=institutional,
        )
    if origin is Origin.INTERNAL:
        if envelope.null_sender:
            return Provenance(origin, default_organisation(settings).id, None, bounce=True)
        return Provenance(
            origin,
            (sender_org or default_organisation(settings)).id,
            sender_account,
            institutional_sender=institutional,
        )
    return Provenance(origin, None, None, institutional_sender=institutional)
