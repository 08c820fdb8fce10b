"""Which organisations' rules apply to a transaction, and in which direction.

The organisation that the provenance names (policy/origin.py) governs the mail
as its sender: internal to its own domains, outbound to anyone else. Every
other organisation that has recipients governs the same mail as inbound, so
mail between two institutions obeys both: the sender's rules and the
recipients'. Mail that no organisation governs falls to the default
organisation, as inbound: no message escapes every rule.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from aduana.config.loader import Settings
from aduana.config.schema import Direction, Exemption, Organisation
from aduana.directory.account import Account
from aduana.policy.context import RuleContext
from aduana.policy.facts import TransactionFacts
from aduana.policy.organisations import default_organisation, organisation_by_id, organisation_of
from aduana.policy.ranks import rank_index


@dataclass(frozen=True)
class Scope:
    organisation: Organisation
    directions: frozenset[Direction]
    governs_sender: bool

    def applies(self, directions: tuple[Direction, ...]) -> bool:
        return not self.directions.isdisjoint(directions)


def scopes(ctx: RuleContext) -> Iterator[Scope]:
    return scopes_of(ctx.settings, ctx.facts)


def scopes_of(settings: Settings, facts: TransactionFacts) -> Iterator[Scope]:
    organisation = facts.provenance.organisation
    sender_org = organisation_by_id(settings, organisation) if organisation else None
    recipient_orgs = [organisation_of(settings, r) for r in facts.envelope.recipients]
    if sender_org is not None:
        directions: set[Direction] = {
            "internal" if org is not None and org.id == sender_org.id else "outbound"
            for org in recipient_orgs
        }
        yield Scope(sender_org, frozenset(directions or {"outbound"}), governs_sender=True)
    seen = {sender_org.id} if sender_org is not None else set()
    for org in recipient_orgs:
        if org is not None and org.id not in seen:
            seen.add(org.id)
            yield Scope(org, frozenset({"inbound"}), governs_sender=False)
    if not seen:
        yield Scope(default_organisation(settings), frozenset({"inbound"}), governs_sender=False)


def governing_organisations(settings: Settings, facts: TransactionFacts) -> list[Organisation]:
    return [scope.organisation for scope in scopes_of(settings, facts)]


def exempt(org: Organisation, exemption: Exemption, account: Account | None) -> bool:
    """Whether a sender's account is exempted by name or by rank."""
    if account is None:
        return False
    if any(account.owns(a) for a in exemption.accounts):
        return True
    if exemption.from_rank is None:
        return False
    threshold = rank_index(org, exemption.from_rank)
    rank = rank_index(org, account.rank)
    return threshold is not None and rank is not None and rank >= threshold
