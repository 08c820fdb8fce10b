"""Load and cross-check the configuration into one immutable Settings object."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from zoneinfo import ZoneInfo

from aduana.config.approvals import Approval, load_approvals
from aduana.config.directory import FileDirectorySettings, LdapDirectorySettings
from aduana.config.errors import ConfigError, PathPart, Problem
from aduana.config.schema import (
    DaemonFile,
    OnLadder,
    Organisation,
    PolicyFile,
)
from aduana.config.templates import ReplyTemplates, load_templates
from aduana.config.vocabulary import ContentScorer, Vocabulary
from aduana.config.yamlfile import YamlDocument, read_yaml, validate


@dataclass(frozen=True)
class Settings:
    """Everything aduana was configured with, validated once."""

    config_file: Path
    daemon: DaemonFile
    organisations: tuple[Organisation, ...]
    templates: ReplyTemplates
    lexicons: ContentScorer
    """Compiled by content (``Vocabulary.compile_lexicons``), read by the content rules."""
    approvals: tuple[Approval, ...] = ()
    by_domain: Mapping[str, Organisation] = field(init=False, repr=False)
    """Exact domains, and ``*.domain`` entries under the key ``.domain``."""

    def __post_init__(self) -> None:
        by_domain = {d.removeprefix("*"): org for org in self.organisations for d in org.domains}
        object.__setattr__(self, "by_domain", MappingProxyType(by_domain))

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.daemon.timezone)

    def path(self, relative: Path) -> Path:
        """A path from the main file, taken relative to the main file's folder."""
        return self.config_file.parent / relative


def load_settings(config_file: Path, vocabulary: Vocabulary) -> Settings:
    """Read the main file, every policy file it names and the reply templates.

    ``vocabulary`` holds the names the files may use (``aduana.policy.vocabulary``)."""
    config_file = config_file.resolve()
    main_document = read_yaml(config_file)
    daemon = validate(
        main_document, DaemonFile, context={"rule_families": vocabulary.rule_families}
    )
    problems: list[Problem] = []
    origins: dict[str, tuple[YamlDocument, int]] = {}
    organisations = _load_policies(main_document, daemon, problems, origins)
    problems.extend(_directory_problems(main_document, daemon, organisations))
    templates_dir = config_file.parent / daemon.templates if daemon.templates else None
    if templates_dir is not None and not templates_dir.is_dir():
        problems.append(
            main_document.problem(("templates",), f"no such directory: {templates_dir}")
        )
        templates_dir = None
    try:
        templates = load_templates(vocabulary.template_placeholders, templates_dir)
    except ConfigError as error:
        problems.extend(error.problems)
    if not problems and not any(o.id == daemon.default_organisation for o in organisations):
        known = ", ".join(o.id for o in organisations)
        problems.append(
            main_document.problem(
                ("default_organisation",),
                f"no organisation {daemon.default_organisation!r}; known: {known}",
            )
        )
    approvals = _load_approvals(main_document, daemon, tuple(organisations), vocabulary, problems)
    lexicons = _load_lexicons(main_document, daemon, vocabulary, origins, organisations, problems)
    if problems:
        raise ConfigError(problems)
    assert lexicons is not None
    return Settings(
        config_file, daemon, tuple(organisations), templates, lexicons=lexicons, approvals=approvals
    )


def _load_lexicons(
    main_document: YamlDocument,
    daemon: DaemonFile,
    vocabulary: Vocabulary,
    origins: dict[str, tuple[YamlDocument, int]],
    organisations: list[Organisation],
    problems: list[Problem],
) -> ContentScorer | None:
    """The shipped lexicons plus the admin's files; every content category must exist."""
    files = [main_document.file.parent / relative for relative in daemon.lexicons]
    matcher, lexicon_problems = vocabulary.compile_lexicons(
        files, lambda index, message: main_document.problem(("lexicons", index), message)
    )
    problems.extend(lexicon_problems)
    if matcher is None:
        return None
    known = matcher.category_names
    for org in organisations:
        content = org.rules.content
        for name in content.categories if content else ():
            if name not in known:
                document, index = origins[org.id]
                problems.append(
                    document.problem(
                        ("organisations", index, "rules", "content", "categories", name),
                        f"no lexicon defines category {name!r}; known: {', '.join(sorted(known))}",
                    )
                )
    return matcher


def _load_policies(
    main_document: YamlDocument,
    daemon: DaemonFile,
    problems: list[Problem],
    origins: dict[str, tuple[YamlDocument, int]],
) -> list[Organisation]:
    """Every organisation of every policy file; ``origins`` remembers where each came from."""
    organisations: list[Organisation] = []
    for index, relative in enumerate(daemon.policies):
        policy_path = main_document.file.parent / relative
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
        origins.update({org.id: (document, i) for i, org in enumerate(policy.organisations)})
    return organisations


def _directory_problems(
    main_document: YamlDocument, daemon: DaemonFile, organisations: list[Organisation]
) -> list[Problem]:
    if isinstance(daemon.directory, FileDirectorySettings):
        directory = main_document.file.parent / daemon.directory.path
        if directory.is_file():
            return []
        return [main_document.problem(("directory", "path"), f"no such file: {directory}")]
    return [
        main_document.problem(("directory", *path), message)
        for path, message in ladder_problems(daemon.directory, organisations)
    ]


def _load_approvals(
    main_document: YamlDocument,
    daemon: DaemonFile,
    organisations: tuple[Organisation, ...],
    vocabulary: Vocabulary,
    problems: list[Problem],
) -> tuple[Approval, ...]:
    if daemon.approvals is None or problems:
        # With a broken policy file the organisations are incomplete, and every
        # approval of theirs would be reported as unknown: fix the policies first.
        return ()
    register = main_document.file.parent / daemon.approvals
    if not register.is_file():
        problems.append(main_document.problem(("approvals",), f"no such file: {register}"))
        return ()
    try:
        return load_approvals(
            register, organisations, vocabulary.lifts, vocabulary.attachment_categories
        )
    except ConfigError as error:
        problems.extend(error.problems)
        return ()


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
        problems.extend(_check_ladders(document, org, where))
        problems.extend(_check_exemption_ranks(document, org, where))
    return problems


def _check_exemption_ranks(
    document: YamlDocument, org: Organisation, where: tuple[str, int]
) -> list[Problem]:
    exemptions = []
    if org.rules.attachments is not None:
        exemptions.append((("rules", "attachments", "exempt"), org.rules.attachments.exempt))
    if org.rules.encryption is not None:
        exemptions.append((("rules", "encryption", "authorised"), org.rules.encryption.authorised))
    return [
        document.problem(
            (*where, *path, "from_rank"),
            f"unknown rank {exemption.from_rank!r}; the ranks are: {', '.join(org.ranks)}",
        )
        for path, exemption in exemptions
        if exemption.from_rank is not None and exemption.from_rank not in org.ranks
    ]


def _ladders(org: Organisation) -> Iterator[tuple[tuple[str | int, ...], Sequence[OnLadder]]]:
    """Every rank-ladder list in an organisation's rules, with its YAML path."""
    rules = org.rules
    if rules.size is not None:
        yield ("rules", "size", "caps"), rules.size.caps
    mass = rules.mass_mailing
    if mass.recipients_per_message is not None:
        yield (
            ("rules", "mass_mailing", "recipients_per_message", "limits"),
            mass.recipients_per_message.limits,
        )
    if mass.one_to_one is not None:
        yield ("rules", "mass_mailing", "one_to_one", "limits"), mass.one_to_one.limits
    if mass.rate is not None:
        for index, window in enumerate(mass.rate.windows):
            base = ("rules", "mass_mailing", "rate", "windows", index)
            yield (*base, "max_messages"), window.max_messages
            yield (*base, "max_recipients"), window.max_recipients


def _check_ladders(
    document: YamlDocument, org: Organisation, where: tuple[str, int]
) -> list[Problem]:
    problems: list[Problem] = []
    for path, items in _ladders(org):
        problems.extend(_check_ladder(document, org, items, (*where, *path)))
    return problems


def _check_ladder(
    document: YamlDocument,
    org: Organisation,
    items: Sequence[OnLadder],
    where: tuple[str | int, ...],
) -> list[Problem]:
    """Rank-ladder lists go from lower to higher ranks; the last covers the rest."""
    if not items:
        return []
    problems: list[Problem] = []
    previous = -1
    for index, item in enumerate(items):
        path = (*where, index, "up_to_rank")
        if item.up_to_rank is None:
            if index != len(items) - 1:
                problems.append(document.problem(path, "only the last entry may omit up_to_rank"))
            continue
        rank = org.ranks.index(item.up_to_rank) if item.up_to_rank in org.ranks else None
        if rank is None:
            problems.append(
                document.problem(
                    path, f"unknown rank {item.up_to_rank!r}; the ranks are: {', '.join(org.ranks)}"
                )
            )
        elif rank <= previous:
            problems.append(document.problem(path, "entries must go from lower to higher ranks"))
        else:
            previous = rank
    if items[-1].up_to_rank is not None and previous != len(org.ranks) - 1:
        problems.append(
            document.problem(
                where,
                "the last entry must omit up_to_rank (or name the highest rank) "
                "to cover every rank",
            )
        )
    return problems


def ladder_problems(
    settings: LdapDirectorySettings, organisations: Iterable[Organisation]
) -> list[tuple[tuple[PathPart, ...], str]]:
    """Settings that name organisations or ranks the policies do not have, as (path, message)."""
    known = {org.id: org for org in organisations}
    ranks = {rank for org in known.values() for rank in org.ranks}
    problems: list[tuple[tuple[PathPart, ...], str]] = []
    for value, rank in settings.rank_map.items():
        if rank not in ranks:
            problems.append((("rank_map", value), f"rank {rank!r} is on no organisation's ladder"))
    if settings.default_rank is not None and settings.default_rank not in ranks:
        problems.append(
            (("default_rank",), f"rank {settings.default_rank!r} is on no organisation's ladder")
        )
    for dn, org_id in settings.organisation_by_base_dn.items():
        if org_id not in known:
            problems.append((("organisation_by_base_dn", dn), f"unknown organisation {org_id!r}"))
    return problems
