"""Nobody outside may pose as the institution (SRE 1; Edomex responsabilidades c).

Mail from the internet, without a login, that claims an institutional address
in ``MAIL FROM``, in the header From or Sender, or in their display names, is
refused or held, unless it comes from a third party the organisation allows to
send on its behalf: by the client's network, or by a DKIM or SPF pass that a
trusted verifier wrote (policy/authentication_results.py).
"""

from __future__ import annotations

import email.utils
import re
from collections.abc import Iterator

from aduana.config.schema import Organisation
from aduana.mta.addresses import domain_of
from aduana.policy.authentication_results import VerifiedDomains, verified_domains
from aduana.policy.context import RuleContext
from aduana.policy.facts import Origin
from aduana.policy.organisations import organisation_of
from aduana.policy.origin import client_ip
from aduana.policy.rule_ids import RuleId
from aduana.policy.verdict import Reason

_NOT_AUTHORISED = (550, "5.7.1")
_CLAIMING_HEADERS = ("from", "sender")
_ADDRESS_IN_TEXT = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")


def claimed_addresses(ctx: RuleContext) -> list[str]:
    """Every address the mail says it comes from, display names included."""
    claimed = [ctx.facts.envelope.sender] if ctx.facts.envelope.sender else []
    content = ctx.facts.content
    headers = content.headers if content is not None else ()
    values = [v for n, v in headers if n.strip().lower() in _CLAIMING_HEADERS]
    for name, address in email.utils.getaddresses(values):
        claimed.append(address)
        claimed.extend(_ADDRESS_IN_TEXT.findall(name))
    return [a for a in claimed if a]


def impersonation_reasons(ctx: RuleContext) -> Iterator[Reason]:
    content = ctx.facts.content
    if ctx.facts.provenance.origin is not Origin.INTERNET or content is None:
        return
    verified: VerifiedDomains | None = None
    refused: set[str] = set()
    for address in claimed_addresses(ctx):
        org = organisation_of(ctx.settings, address)
        if org is None or org.id in refused:
            continue
        rule = org.rules.identity.impersonation
        if rule is None:
            continue
        if verified is None:
            authserv_ids = ctx.settings.daemon.origin.authserv_ids
            verified = verified_domains(content.headers, authserv_ids)
        if _on_behalf(ctx, org, verified):
            continue
        refused.add(org.id)
        yield ctx.reason(
            rule,
            rule=RuleId.IMPERSONATION,
            organisation=org,
            action=rule.action,
            refusal=_NOT_AUTHORISED,
            template="impersonation",
            address=address,
            domain=domain_of(address),
        )


def _on_behalf(ctx: RuleContext, org: Organisation, verified: VerifiedDomains) -> bool:
    ip = client_ip(ctx.facts.envelope.client_address)
    for sender in org.on_behalf:
        if ip is not None and any(ip in network for network in sender.networks):
            return True
        if verified.dkim.intersection(sender.dkim_domains):
            return True
        if verified.spf.intersection(sender.spf_domains):
            return True
    return False
