"""Load and cross-check the configuration into one immutable Settings object."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from zoneinfo import ZoneInfo

from aduana.addresses import domain_of
from aduana.config.approvals import Approval, load_approvals
from aduana.config.errors import ConfigError, Problem
from aduana.config.schema import (
    DaemonFile,
    FileDirectorySettings,
    OnLadder,
    Organisation,
    PolicyFile,
)
from aduana.config.templates import ReplyTemplates, load_templates
from aduana.config.yamlfile import YamlDocument, read_yaml, validate
from aduana.content.lexicon import LexiconError, LexiconMatcher, load_lexicon, shipped_lexicons
from aduana.directory.ldap_settings import ladder_problems


@dataclass(frozen=True)
class Settings:
    """Everything aduana was configured with, validated once."""

    config_file: Path
    daemon: DaemonFile
    organisations: tuple[Organisation, ...]
    templates: ReplyTemplates
    approvals: tuple[Approval, ...] = ()
    lexicons: LexiconMatcher = field(default_factory=lambda: LexiconMatcher(shipped_lexicons()))
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

    def organisation_of(self, address: str) -> Organisation | None:
        """The organisation whose domain (or subdomain wildcard) the address belongs to."""
        return self.organisation_of_domain(domain_of(address))

    def organisation_of_domain(self, domain: str) -> Organisation | None:
        found = self.by_domain.get(domain)
        while found is None and domain:
            _, dot, domain = domain.partition(".")
            found = self.by_domain.get("." + domain) if dot and domain else None
        return found

    @property
    def default_organisation(self) -> Organisation:
        """Governs mail that matches no organisation; its existence is checked at load."""
        found = self.organisation(self.daemon.default_organisation)
        assert found is not None
        return found

    def organisation(self, organisation_id: str) -> Organisation | None:
        return next((o for o in self.organisations if o.id == organisation_id), None)


def load_settings(config_file: Path) -> Settings:
    """Read the main file, every policy file it names and the reply templates."""
    config_file = config_file.resolve()
    main_document = read_yaml(config_file)
    daemon = validate(main_document, DaemonFile)
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
        templates = load_templates(templates_dir)
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
    approvals = _load_approvals(main_document, daemon, tuple(organisations), problems)
    lexicons = _load_lexicons(main_document, daemon, origins, organisations, problems)
    if problems:
        raise ConfigError(problems)
    assert lexicons is not None
    return Settings(config_file, daemon, tuple(organisations), templates, approvals, lexicons)


def _load_lexicons(
    main_document: YamlDocument,
    daemon: DaemonFile,
    origins: dict[str, tuple[YamlDocument, int]],
    organisations: list[Organisation],
    problems: list[Problem],
) -> LexiconMatcher | None:
    """The shipped lexicons plus the admin's files; every content category must exist."""
    lexicons = list(shipped_lexicons())
    for index, relative in enumerate(daemon.lexicons):
        path = main_document.file.parent / relative
        try:
            lexicons.append(load_lexicon(path))
        except LexiconError as error:
            problems.append(Problem(Path(error.file), (error.path,), error.message))
        except (OSError, ValueError) as error:
            # ValueError: a path the OS cannot take, e.g. with a NUL byte.
            problems.append(main_document.problem(("lexicons", index), f"cannot read: {error}"))
    try:
        matcher = LexiconMatcher(lexicons)
    except LexiconError as error:
        problems.append(Problem(Path(error.file), (error.path,), error.message))
        return None
    known = {c.name for c in matcher.categories}
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
        return load_approvals(register, organisations)
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
        if exemption.from_rank is not None and org.rank_index(exemption.from_rank) is None
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
        rank = org.rank_index(item.up_to_rank)
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
