"""The register of written approvals (SRE 9.g: "aprobación explícita y por escrito").

Each approval names the official letter, who signed it, whom it covers (accounts
or whole units), what it lifts and when it is valid. An expired approval stops
working on its own: the engine compares its dates with the transaction's date.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from pydantic import Field, ValidationInfo, model_validator

from aduana.config.base import Strict
from aduana.config.errors import ConfigError, Problem
from aduana.config.schema import Organisation
from aduana.config.yamlfile import read_yaml, validate

_LIFT = re.compile(r"^[a-z_]+(:[a-z_]+)?$")


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
    def _coherent(self, info: ValidationInfo) -> Approval:
        # The loader always names the lifts and categories (load_approvals); an Approval
        # built in code without them has only the form of its lifts checked.
        lifts: tuple[str, ...] | None = (info.context or {}).get("lifts")
        categories: frozenset[str] | None = (info.context or {}).get("categories")
        if not self.accounts and not self.units:
            raise ValueError("an approval must cover at least one account or unit")
        if self.valid_until < self.valid_from:
            raise ValueError("valid_until is before valid_from")
        for lift in self.lifts:
            kind, _, category = lift.partition(":")
            if kind == "attachment" and category:
                unknown = categories is not None and category not in categories
            else:
                unknown = bool(category) or (lifts is not None and lift not in lifts)
            if not _LIFT.match(lift) or unknown:
                known = ", ".join(sorted(categories or ()))
                raise ValueError(
                    f"cannot lift {lift!r}: use {', '.join(lifts or ())} "
                    f"or attachment:CATEGORY ({known})"
                )
        return self


class ApprovalsFile(Strict):
    approvals: tuple[Approval, ...] = ()


def load_approvals(
    file: Path,
    organisations: tuple[Organisation, ...],
    lifts: tuple[str, ...],
    categories: frozenset[str],
) -> tuple[Approval, ...]:
    """Load and check the register; every problem names the file and YAML path.

    ``lifts`` and ``categories`` (``attachment:CATEGORY``) are what an approval may lift."""
    document = read_yaml(file)
    register = validate(document, ApprovalsFile, context={"lifts": lifts, "categories": categories})
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
