"""Which organisations' rules apply to a transaction, and in which direction.

Mail from an institutional sender is governed by the sender's organisation:
outbound to outside recipients, internal to its own institutions. Mail from
outside is governed, inbound, by the organisation of each institutional recipient.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from aduana.config.schema import Direction, Exemption, Organisation
from aduana.directory.account import Account
from aduana.policy.context import RuleContext


@dataclass(frozen=True)
class Scope:
    organisation: Organisation
    directions: frozenset[Direction]
    governs_sender: bool

    def applies(self, directions: tuple[Direction, ...]) -> bool:
        return not self.directions.isdisjoint(directions)


def scopes(ctx: RuleContext) -> Iterator[Scope]:
    settings = ctx.settings
    recipients = ctx.facts.envelope.recipients
    sender_org = ctx.sender_organisation
    if sender_org is not None:
        directions: set[Direction] = set()
        for recipient in recipients:
            directions.add("internal" if settings.organisation_of(recipient) else "outbound")
        yield Scope(sender_org, frozenset(directions or {"outbound"}), governs_sender=True)
        return
    seen: set[str] = set()
    for recipient in recipients:
        org = settings.organisation_of(recipient)
        if org is not None and org.id not in seen:
            seen.add(org.id)
            yield Scope(org, frozenset({"inbound"}), governs_sender=False)


def exempt(org: Organisation, exemption: Exemption, account: Account | None) -> bool:
    """Whether a sender's account is exempted by name or by rank."""
    if account is None:
        return False
    if any(account.owns(a) for a in exemption.accounts):
        return True
    if exemption.from_rank is None:
        return False
    threshold = org.rank_index(exemption.from_rank)
    rank = org.rank_index(account.rank)
    return threshold is not None and rank is not None and rank >= threshold
