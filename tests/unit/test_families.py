"""Each rule family is declared once (policy/families.py) and everything else agrees with it."""

from __future__ import annotations

import typing

from aduana.config.schema import Rules
from aduana.policy.engine import RULE_FAMILIES
from aduana.policy.families import FAMILIES
from aduana.policy.rule_ids import RuleId
from aduana.policy.vocabulary import PLACEHOLDERS, VOCABULARY


def test_every_key_under_rules_is_a_declared_family_with_the_same_settings_model() -> None:
    declared = {family.name: family.settings for family in FAMILIES}
    in_schema = {
        name: {t for t in typing.get_args(field.annotation) if t is not type(None)}
        or {field.annotation}
        for name, field in Rules.model_fields.items()
    }
    assert set(declared) == set(in_schema)
    for name, model in declared.items():
        assert in_schema[name] == {model}, name


def test_the_engine_runs_the_declared_families_in_their_order() -> None:
    assert tuple(family.reasons for family in FAMILIES) == RULE_FAMILIES


def test_every_rule_id_belongs_to_a_declared_family() -> None:
    names = {family.name for family in FAMILIES}
    assert {rule.value.split(".", 1)[0] for rule in RuleId} <= names


def test_the_template_check_and_the_ledger_read_the_declarations() -> None:
    for family in FAMILIES:
        assert dict(family.templates).items() <= dict(PLACEHOLDERS).items(), family.name
    assert VOCABULARY.rule_families == tuple(family.name for family in FAMILIES)
    assert set(VOCABULARY.lifts) == {
        lift for family in FAMILIES for lift in family.lifts if not lift.startswith("attachment:")
    }
