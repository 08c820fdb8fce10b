"""Load and cross-check the configuration into one immutable Settings object."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from aduana.addresses import domain_of
from aduana.config.errors import ConfigError, Problem
from aduana.config.schema import DaemonFile, Organisation, PolicyFile
from aduana.config.templates import ReplyTemplates, load_templates
from aduana.config.yamlfile import YamlDocument, read_yaml

Model = TypeVar("Model", bound=BaseModel)


@dataclass(frozen=True)
class Settings:
    """Everything aduana was configured with, validated once."""

    config_file: Path
    daemon: DaemonFile
    organisations: tuple[Organisation, ...]
    templates: ReplyTemplates
    by_domain: Mapping[str, Organisation] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        by_domain = {d: org for org in self.organisations for d in org.domains}
        object.__setattr__(self, "by_domain", MappingProxyType(by_domain))

    @property
    def directory_path(self) -> Path:
        return self.config_file.parent / self.daemon.directory.path

    def organisation_of(self, address: str) -> Organisation | None:
        """The organisation whose domain the address belongs to, if any."""
        return self.by_domain.get(domain_of(address))

    def organisation(self, organisation_id: str) -> Organisation | None:
        return next((o for o in self.organisations if o.id == organisation_id), None)


def validate(document: YamlDocument, model: type[Model]) -> Model:
    """Validate one YAML document, turning pydantic's errors into located problems."""
    try:
        return model.model_validate(document.data)
    except ValidationError as error:
        errors = error.errors(include_url=False)
        locations = [tuple(e["loc"]) for e in errors]
        problems = [
            document.problem(tuple(e["loc"]), e["msg"])
            for e in errors
            # pydantic also reports a container as too short when its items failed.
            if not (e["type"] == "too_short" and _has_deeper(tuple(e["loc"]), locations))
        ]
        raise ConfigError(problems) from None


def _has_deeper(location: tuple[object, ...], locations: Sequence[tuple[object, ...]]) -> bool:
    return any(
        len(other) > len(location) and other[: len(location)] == location for other in locations
    )


def load_settings(config_file: Path) -> Settings:
    """Read the main file, every policy file it names and the reply templates."""
    config_file = config_file.resolve()
    main_document = read_yaml(config_file)
    daemon = validate(main_document, DaemonFile)
    problems: list[Problem] = []
    organisations: list[Organisation] = []
    for index, relative in enumerate(daemon.policies):
        policy_path = config_file.parent / relative
        if not policy_path.is_file():
            problems.append(
                main_document.problem(("policies", index), f"no such file: {policy_path}")
            )
            continue
        document = read_yaml(policy_path)
        try:
            policy = validate(document, PolicyFile)
        except ConfigError as error:
            problems.extend(error.problems)
            continue
        problems.extend(_check_organisations(document, policy, organisations))
        organisations.extend(policy.organisations)
    directory = config_file.parent / daemon.directory.path
    if not directory.is_file():
        problems.append(main_document.problem(("directory", "path"), f"no such file: {directory}"))
    templates_dir = config_file.parent / daemon.templates if daemon.templates else None
    if templates_dir is not None and not templates_dir.is_dir():
        problems.append(
            main_document.problem(("templates",), f"no such directory: {templates_dir}")
        )
        templates_dir = None
    try:
        templates = load_templates(templates_dir)
    except ConfigError as error:
        problems.extend(error.problems)
    if problems:
        raise ConfigError(problems)
    return Settings(config_file, daemon, tuple(organisations), templates)


def _check_organisations(
    document: YamlDocument, policy: PolicyFile, earlier: list[Organisation]
) -> list[Problem]:
    """Checks that span fields: unique ids and domains, rank names in size caps."""
    problems: list[Problem] = []
    seen_ids = {o.id for o in earlier}
    seen_domains = {d: o.id for o in earlier for d in o.domains}
    for index, org in enumerate(policy.organisations):
        where = ("organisations", index)
        if org.id in seen_ids:
            problems.append(
                document.problem((*where, "id"), f"duplicate organisation id {org.id!r}")
            )
        seen_ids.add(org.id)
        for d_index, domain in enumerate(org.domains):
            if domain in seen_domains:
                problems.append(
                    document.problem(
                        (*where, "domains", d_index),
                        f"domain {domain!r} already belongs to {seen_domains[domain]!r}",
                    )
                )
            seen_domains[domain] = org.id
        if len(set(org.ranks)) != len(org.ranks):
            problems.append(document.problem((*where, "ranks"), "rank names must be unique"))
        problems.extend(_check_size_caps(document, org, where))
    return problems


def _check_size_caps(
    document: YamlDocument, org: Organisation, where: tuple[str, int]
) -> list[Problem]:
    size = org.rules.size
    if size is None:
        return []
    problems: list[Problem] = []
    previous = -1
    for index, cap in enumerate(size.caps):
        path = (*where, "rules", "size", "caps", index)
        last = index == len(size.caps) - 1
        if cap.up_to_rank is None:
            if not last:
                problems.append(
                    document.problem((*path, "up_to_rank"), "only the last cap may omit up_to_rank")
                )
            continue
        rank = org.rank_index(cap.up_to_rank)
        if rank is None:
            problems.append(
                document.problem(
                    (*path, "up_to_rank"),
                    f"unknown rank {cap.up_to_rank!r}; the ranks are: {', '.join(org.ranks)}",
                )
            )
        elif rank <= previous:
            problems.append(
                document.problem((*path, "up_to_rank"), "caps must go from lower to higher ranks")
            )
        else:
            previous = rank
    if size.caps[-1].up_to_rank is not None and previous != len(org.ranks) - 1:
        problems.append(
            document.problem(
                (*where, "rules", "size", "caps"),
                "the last cap must omit up_to_rank (or name the highest rank) to cover every rank",
            )
        )
    return problems
