"""The register of written approvals (SRE 9.g: "aprobación explícita y por escrito").

Each approval names the official letter, who signed it, whom it covers (accounts
or whole units), what it lifts and when it is valid. An expired approval stops
working on its own: the engine compares its dates with the transaction's date.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from pydantic import Field, model_validator

from aduana.config.base import Strict
from aduana.config.errors import ConfigError, Problem
from aduana.config.schema import Organisation
from aduana.config.yamlfile import read_yaml, validate
from aduana.directory.account import Account
from aduana.inspect.model import Category

_CATEGORIES = frozenset(c.value for c in Category)
_LIFTS = re.compile(
    r"^(recipients_per_message|rate|one_to_one|encryption|macros|attachment:[a-z_]+)$"
)


class Approval(Strict):
    reference: str = Field(min_length=1, description="Reference of the official letter")
    approver: str = Field(min_length=1)
    organisation: str
    accounts: tuple[str, ...] = ()
    units: tuple[str, ...] = ()
    lifts: tuple[str, ...] = Field(min_length=1)
    valid_from: date
    valid_until: date
    note: str = ""

    @model_validator(mode="after")
    def _coherent(self) -> Approval:
        if not self.accounts and not self.units:
            raise ValueError("an approval must cover at least one account or unit")
        if self.valid_until < self.valid_from:
            raise ValueError("valid_until is before valid_from")
        for lift in self.lifts:
            kind, _, category = lift.partition(":")
            if not _LIFTS.match(lift) or (kind == "attachment" and category not in _CATEGORIES):
                raise ValueError(
                    f"cannot lift {lift!r}: use recipients_per_message, rate, one_to_one, "
                    f"encryption, macros or attachment:CATEGORY ({', '.join(sorted(_CATEGORIES))})"
                )
        return self

    def covers(self, account: Account) -> bool:
        if account.organisation != self.organisation:
            return False
        return any(account.owns(a) for a in self.accounts) or account.unit in self.units

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day <= self.valid_until

    def status_on(self, day: date) -> str:
        if day < self.valid_from:
            return "pending"
        return "valid" if day <= self.valid_until else "expired"


class ApprovalsFile(Strict):
    approvals: tuple[Approval, ...] = ()


def load_approvals(file: Path, organisations: tuple[Organisation, ...]) -> tuple[Approval, ...]:
    """Load and check the register; every problem names the file and YAML path."""
    document = read_yaml(file)
    register = validate(document, ApprovalsFile)
    known = {o.id for o in organisations}
    problems: list[Problem] = []
    seen: set[str] = set()
    for index, approval in enumerate(register.approvals):
        if approval.organisation not in known:
            problems.append(
                document.problem(
                    ("approvals", index, "organisation"),
                    f"unknown organisation {approval.organisation!r}",
                )
            )
        if approval.reference in seen:
            problems.append(
                document.problem(("approvals", index, "reference"), "reference appears twice")
            )
        seen.add(approval.reference)
    if problems:
        raise ConfigError(problems)
    return register.approvals
