"""The shape of aduana's YAML files, validated by pydantic into immutable settings."""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from ipaddress import IPv4Network, IPv6Network
from pathlib import Path
from typing import Annotated, Literal, Protocol, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BeforeValidator,
    ByteSize,
    Field,
    IPvAnyNetwork,
    ValidationInfo,
    field_validator,
    model_validator,
)

from aduana.config.base import Strict
from aduana.config.directory import DirectorySettings
from aduana.config.quarantine import QuarantineSettings
from aduana.mta.outcomes import Action, SmtpReply

_SOCKET = re.compile(
    r"^(inet:\d{1,5}(@[\w.\-]+)?|inet6:\d{1,5}(@[\w:.\-\[\]]+)?|(unix|local):/.+)$"
)
_LISTEN = re.compile(r"^(?P<host>[\w.\-]+|\[[0-9a-fA-F:]+\]):(?P<port>\d{1,5})$")

Clause = Annotated[str, Field(min_length=1, description="The policy clause, e.g. 'SRE 7.a'")]

_DURATION = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _duration_seconds(value: object) -> object:
    """Accept 90, "90s", "30m", "1h" or "7d"; return whole seconds."""
    if isinstance(value, str):
        match = _DURATION.match(value)
        if match is None:
            raise ValueError("must be a duration like 90s, 30m, 1h or 7d")
        return int(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    return value


Duration = Annotated[int, BeforeValidator(_duration_seconds), Field(gt=0)]


class Mode(StrEnum):
    """Enforce a rule, or only decide, log and count what it would do."""

    ENFORCE = "enforce"
    MONITOR = "monitor"


RefusalAction = Literal[Action.REJECT, Action.TEMPFAIL, Action.DISCARD, Action.QUARANTINE]
RuleAction = Literal[Action.REJECT, Action.TEMPFAIL, Action.DISCARD, Action.QUARANTINE, Action.TAG]
Notify = Literal["sender", "admin", "both"]


class RuleSettings(Strict):
    """A rule that refuses something, naming the policy clause it enforces."""

    clause: Clause
    mode: Mode = Mode.ENFORCE
    action: RuleAction = Action.REJECT
    notify: Notify | None = None
    """Also send a notice, in the organisation's language, to the sender and/or admin."""


class SizeCap(Strict):
    """A size limit for every rank up to and including ``up_to_rank``."""

    up_to_rank: str | None = None
    max_size: ByteSize
    clause: Clause


class OnLadder(Protocol):
    """An entry of a rank ladder: it applies to every rank up to ``up_to_rank``."""

    @property
    def up_to_rank(self) -> str | None: ...


Entry = TypeVar("Entry", bound=OnLadder)


class RankLimit(Strict):
    """A count limit for every rank up to and including ``up_to_rank``."""

    up_to_rank: str | None = None
    limit: int = Field(ge=1)


class RecipientsPerMessageRule(RuleSettings):
    """At most ``limits`` envelope recipients in one message (Bcc included)."""

    limits: tuple[RankLimit, ...] = Field(min_length=1)


class RateWindow(Strict):
    """Rolling-window limits on messages and distinct recipients per sender."""

    window: Duration
    max_messages: tuple[RankLimit, ...] = ()
    max_recipients: tuple[RankLimit, ...] = ()


class RateRule(RuleSettings):
    windows: tuple[RateWindow, ...] = Field(min_length=1)


class OneToOneRule(RuleSettings):
    """The same text, or a near-duplicate, sent one-to-one to many recipients."""

    window: Duration
    limits: tuple[RankLimit, ...] = Field(min_length=1)


class MassMailingRules(Strict):
    recipients_per_message: RecipientsPerMessageRule | None = None
    rate: RateRule | None = None
    one_to_one: OneToOneRule | None = None


Direction = Literal["inbound", "outbound", "internal"]
ALL_DIRECTIONS: tuple[Direction, ...] = ("inbound", "outbound", "internal")
BlockableCategory = Literal[
    "executable", "script", "archive", "audio", "video", "image", "document", "encrypted",
    "text", "other",
]  # fmt: skip


class Exemption(Strict):
    """Senders a rule does not apply to: named accounts, or ranks from ``from_rank`` up."""

    accounts: tuple[str, ...] = ()
    from_rank: str | None = None


class CategoryRule(Strict):
    action: RuleAction = Action.REJECT
    clause: str | None = None
    """Defaults to the clause of the attachments rule."""

    @model_validator(mode="before")
    @classmethod
    def _action_shorthand(cls, value: object) -> object:
        """``executable: reject`` is short for ``executable: {action: reject}``."""
        return {"action": value} if isinstance(value, str) else value


class AttachmentRules(Strict):
    """Blocked files by true type (SRE 9.e), also inside archives, however the mail is built."""

    clause: Clause
    mode: Mode = Mode.ENFORCE
    directions: tuple[Direction, ...] = ALL_DIRECTIONS
    blocked: dict[BlockableCategory, CategoryRule] = Field(default_factory=dict)
    image_max_size: ByteSize | None = None
    name_tricks: RuleAction | None = Action.REJECT
    archive_limits: RuleAction | None = Action.REJECT
    malformed: RuleAction | None = Action.REJECT
    uninspectable: RuleAction | None = Action.REJECT
    """A container or part that cannot be opened (damaged, unsupported format), or whose
    reader failed (it raised): it cannot be judged, so it is refused."""
    exempt: Exemption = Exemption()
    notify: Notify | None = None


class AntivirusRule(RuleSettings):
    """A virus found by clamd refuses the message (Edomex Responsabilidades e)."""

    directions: tuple[Direction, ...] = ALL_DIRECTIONS
    on_unavailable: Literal[Action.TEMPFAIL, Action.TAG] = Action.TEMPFAIL
    """clamd down or timing out: tempfail (the MTA retries), or deliver with a tag."""


class EncryptionRules(RuleSettings):
    """Encrypted content and messages (SRE 9.f), unless the sender is authorised."""

    directions: tuple[Direction, ...] = ALL_DIRECTIONS
    authorised: Exemption = Exemption()


ReportOrAction = RuleAction | Literal["report"]


class ActiveContentRules(Strict):
    """Code inside a document or page that runs when it is opened (SRE 9.e): macros,
    HTML smuggling, PDF JavaScript. Macro documents count as executable content
    unless the sender is authorised, as for encryption."""

    clause: Clause
    mode: Mode = Mode.ENFORCE
    directions: tuple[Direction, ...] = ALL_DIRECTIONS
    macros: RuleAction | None = Action.REJECT
    """VBA or Excel 4 (XLM) macros in Word, Excel or PowerPoint files, also embedded."""
    authorised: Exemption = Exemption()
    """Senders who may send macros and PDF JavaScript: accounts, or ranks from `from_rank` up."""
    html_smuggling: RuleAction | None = Action.REJECT
    """An HTML or SVG file whose script rebuilds a file and has the browser save it."""
    pdf_javascript: ReportOrAction | None = "report"
    """"report": logged and counted as a monitored reason, the mail is not touched."""
    unchecked: RuleAction | None = Action.REJECT
    """A document (Office, PDF) whose active content the readers could not check."""
    notify: Notify | None = None


class ContentCategory(Strict):
    """Score thresholds for one lexicon category: tag at one score, refuse at another."""

    clause: Clause
    tag_at: float | None = Field(default=None, gt=0)
    refuse_at: float | None = Field(default=None, gt=0)
    refuse_action: RefusalAction = Action.REJECT
    group_only: bool = False
    """Count only in mail to ``group_recipients`` or more recipients (group mail)."""
    notify: Notify | None = None


class ContentRules(Strict):
    """Offensive, obscene, chain-letter and commercial content (SRE 8, 9.a-c, 9.h)."""

    mode: Mode = Mode.ENFORCE
    directions: tuple[Direction, ...] = ALL_DIRECTIONS
    group_recipients: int = Field(default=5, ge=2)
    categories: dict[str, ContentCategory] = Field(default_factory=dict)


class PersonalDataRule(RuleSettings):
    """More than ``max_items`` validated CURP, RFC or CLABE values in mail leaving."""

    max_items: int = Field(default=5, ge=0)


class DlpRules(Strict):
    """Classified or personal data leaving the institution (SRE 9.i; Edomex e)."""

    directions: tuple[Direction, ...] = ("outbound",)
    markings: RuleSettings | None = None
    personal_data: PersonalDataRule | None = None


class BulkRules(Strict):
    """Inbound newsletters and list mail are tagged so mail clients can file them."""

    clause: Clause
    mode: Mode = Mode.ENFORCE


class JournalSettings(Strict):
    """A copy of every message, for monitoring and retention (SRE 6)."""

    address: str
    directions: tuple[Direction, ...] = ALL_DIRECTIONS


class LegalHold(Strict):
    """All mail of the named accounts is copied to a custodian (judicial order)."""

    reference: str = Field(min_length=1)
    accounts: tuple[str, ...] = Field(min_length=1)
    custodian: str
    valid_until: date | None = None


class MonitoringSettings(Strict):
    journal: JournalSettings | None = None
    legal_holds: tuple[LegalHold, ...] = ()


class NoticeSettings(Strict):
    """Who notices come from, and which administrator hears about each unit."""

    sender: str = ""
    admin: str | None = None
    unit_admins: dict[str, str] = Field(default_factory=dict)


class SizeRule(Strict):
    """Per-rank message size caps, lowest ranks first; the last cap covers the rest."""

    mode: Mode = Mode.ENFORCE
    caps: tuple[SizeCap, ...] = Field(min_length=1)


class ImpersonationRule(RuleSettings):
    """Mail from the internet, without a login, that uses an institutional domain."""

    action: Literal[Action.REJECT, Action.QUARANTINE] = Action.REJECT


class IdentityRules(Strict):
    """Who may send: existing, active, personal institutional accounts."""

    unknown_account: RuleSettings | None = None
    inactive_account: RuleSettings | None = None
    login_mismatch: RuleSettings | None = None
    header_from_mismatch: RuleSettings | None = None
    foreign_sender: RuleSettings | None = None
    """A login or an internal client sending as an address outside every institutional domain."""
    impersonation: ImpersonationRule | None = None


class Rules(Strict):
    identity: IdentityRules = IdentityRules()
    size: SizeRule | None = None
    mass_mailing: MassMailingRules = MassMailingRules()
    attachments: AttachmentRules | None = None
    encryption: EncryptionRules | None = None
    active_content: ActiveContentRules | None = None
    content: ContentRules | None = None
    dlp: DlpRules | None = None
    bulk: BulkRules | None = None
    antivirus: AntivirusRule | None = None


_DOMAIN = re.compile(r"^(\*\.)?([a-z0-9]([a-z0-9\-]*[a-z0-9])?\.)+[a-z0-9\-]+$")


class OnBehalf(Strict):
    """A third party that may send from the internet with the organisation's domains.

    It is recognised by the network it connects from, or by a DKIM or SPF pass
    that a trusted authserv-id wrote in an Authentication-Results header.
    """

    name: str = Field(min_length=1)
    networks: tuple[IPvAnyNetwork, ...] = ()
    dkim_domains: tuple[str, ...] = ()
    """A DKIM pass with one of these signing domains (header.d)."""
    spf_domains: tuple[str, ...] = ()
    """An SPF pass for an envelope sender (smtp.mailfrom) in one of these domains."""

    @field_validator("dkim_domains", "spf_domains")
    @classmethod
    def _lower(cls, domains: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(d.strip().lower() for d in domains)

    @model_validator(mode="after")
    def _recognisable(self) -> OnBehalf:
        if not (self.networks or self.dkim_domains or self.spf_domains):
            raise ValueError("needs networks, dkim_domains or spf_domains")
        return self


class Organisation(Strict):
    """One institution: its domains, language, rank ladder and rules."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$")
    name: str = Field(min_length=1)
    domains: tuple[str, ...] = Field(min_length=1)
    """Its mail domains; ``*.sre.gob.mx`` takes in every subdomain (not sre.gob.mx itself)."""
    language: Literal["es", "en"] = "es"
    ranks: tuple[str, ...] = Field(min_length=1, description="Rank ladder, lowest first")
    rules: Rules = Rules()
    subject_tag: str | None = None
    """Prefix added to the subject of tagged mail, e.g. "[ADUANA]"."""
    monitoring: MonitoringSettings = MonitoringSettings()
    notices: NoticeSettings = NoticeSettings()
    on_behalf: tuple[OnBehalf, ...] = ()
    """Third parties allowed to send from the internet with this organisation's domains."""

    @field_validator("domains")
    @classmethod
    def _lower_domains(cls, domains: tuple[str, ...]) -> tuple[str, ...]:
        lowered = tuple(d.strip().lower().rstrip(".") for d in domains)
        for domain in lowered:
            if not _DOMAIN.match(domain):
                raise ValueError(f"{domain!r} is not a domain (or *.domain for its subdomains)")
        return lowered


class PolicyFile(Strict):
    """A file with the policies of one or more organisations."""

    organisations: tuple[Organisation, ...] = Field(min_length=1)


class MilterSettings(Strict):
    socket: str = "inet:10025@127.0.0.1"
    name: str = "aduana"
    timeout_seconds: int = Field(default=600, ge=1)

    @field_validator("socket")
    @classmethod
    def _socket_spec(cls, socket: str) -> str:
        if not _SOCKET.match(socket):
            raise ValueError("must look like inet:PORT@HOST, inet6:PORT@HOST or unix:/PATH")
        return socket


class MetricsSettings(Strict):
    enabled: bool = True
    listen: str = "127.0.0.1:9925"

    @field_validator("listen")
    @classmethod
    def _host_port(cls, listen: str) -> str:
        if not _LISTEN.match(listen):
            raise ValueError("must be HOST:PORT")
        return listen

    @property
    def host(self) -> str:
        match = _LISTEN.match(self.listen)
        assert match is not None
        return match.group("host").strip("[]")

    @property
    def port(self) -> int:
        match = _LISTEN.match(self.listen)
        assert match is not None
        return int(match.group("port"))


class OriginSettings(Strict):
    """Which SMTP clients aduana trusts as the institution's own.

    A transaction is *authenticated* when the MTA reports a SASL login,
    *internal* when the client address is in one of these networks, and from
    the *internet* otherwise.
    """

    internal_networks: tuple[IPvAnyNetwork, ...] = (
        IPv4Network("127.0.0.0/8"),
        IPv6Network("::1/128"),
    )
    trusted_relays: tuple[IPvAnyNetwork, ...] = ()
    """Relays whose clients are the institution's own (e.g. an internal hub in front)."""
    authserv_ids: tuple[str, ...] = ()
    """Authentication-Results headers are read only when written by these authserv-ids."""

    @field_validator("authserv_ids")
    @classmethod
    def _lower_ids(cls, ids: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(i.strip().lower() for i in ids)


class LoggingSettings(Strict):
    level: Literal["debug", "info", "warning", "error"] = "info"


class InternalErrorSettings(Strict):
    """What the MTA is told when aduana itself fails on a transaction."""

    action: Literal[Action.TEMPFAIL, Action.REJECT, Action.ACCEPT] = Action.TEMPFAIL
    code: int = Field(default=451, ge=400, le=599)
    status: str = "4.7.1"

    @model_validator(mode="after")
    def _legal_reply(self) -> InternalErrorSettings:
        SmtpReply(self.code, self.status, "check")
        expected = {Action.TEMPFAIL: "4", Action.REJECT: "5"}.get(self.action)
        if expected is not None and str(self.code)[0] != expected:
            raise ValueError(f"a {self.action.value} needs a {expected}xx code")
        return self


class InspectionSettings(Strict):
    """Hard limits for inspecting one message; hitting one is itself a reason."""

    max_archive_depth: int = Field(default=4, ge=1)
    max_members: int = Field(default=1000, ge=1)
    max_total_bytes: ByteSize = ByteSize(200 * 1024 * 1024)
    max_ratio: float = Field(default=100.0, gt=1)
    time_budget_seconds: float = Field(default=5.0, gt=0)
    """CPU seconds for one message (not wall time, so a busy gateway does not refuse mail)."""
    workers: Annotated[int, Field(ge=0)] | Literal["auto"] = "auto"
    """Worker processes for large messages: "auto" = one per core but one, 0 = none."""
    pool_min_size: ByteSize = ByteSize(256 * 1024)
    """Messages smaller than this are inspected in the milter thread."""
    worker_max_messages: int = Field(default=200, ge=1)
    """A worker is replaced by a fresh one after inspecting this many messages."""


class AntivirusSettings(Strict):
    """clamd, asked about every message with INSTREAM (the message as received)."""

    socket: str = "unix:/run/clamav/clamd.ctl"
    """unix:/PATH or inet:PORT@HOST (clamd's LocalSocket or TCPSocket)."""
    timeout_seconds: int = Field(default=30, ge=1)
    """For connecting, each write and clamd's answer; past it clamd counts as down."""
    stream_max_bytes: ByteSize = ByteSize(25 * 1024 * 1024)
    """clamd's StreamMaxLength (default 25M). A longer message is not sent: clamd would
    cut the connection mid-stream, which looks like an outage and would retry forever."""

    @field_validator("socket")
    @classmethod
    def _socket_spec(cls, socket: str) -> str:
        if not _SOCKET.match(socket) or socket.startswith("inet6:"):
            raise ValueError("must look like unix:/PATH or inet:PORT@HOST")
        return socket


class NoticeDelivery(Strict):
    """How notices reach the local MTA: its sendmail command (queued on disk) or SMTP."""

    enabled: bool = True
    transport: Literal["sendmail", "smtp"] = "smtp"
    """The shipped configuration says sendmail; smtp stays the default, so a file that
    sets only smtp_host keeps its meaning."""
    sendmail_command: tuple[str, ...] = Field(default=("/usr/sbin/sendmail",), min_length=1)
    """The MTA's sendmail and its options; aduana appends ``-i -f <> -- RECIPIENT``."""
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=25, ge=1, le=65535)
    timeout_seconds: float = Field(default=10.0, gt=0)
    spool_dir: Path | None = None
    """Where notices wait for the MTA; default: notices/ beside the ledger's SQLite file."""
    retry_seconds: Duration = 60
    give_up_after: Duration = 2 * 86400


class EscalationSettings(Strict):
    """N violations of one severity within a window suspend the account's sending."""

    severity: Literal["low", "medium", "high"]
    threshold: int = Field(ge=1)
    window: Duration


class PostgresLedgerSettings(Strict):
    """A PostgreSQL database that every gateway node shares for its ledger."""

    dsn: str = Field(min_length=1)
    """libpq connection string or URI, without the password."""
    password_env: str | None = None
    password_file: Path | None = None
    connect_timeout_seconds: int = Field(default=2, ge=1)
    statement_timeout_seconds: float = Field(default=2.0, gt=0)

    @field_validator("dsn")
    @classmethod
    def _parsable_without_password(cls, dsn: str) -> str:
        # psycopg (and libpq) are loaded only when this backend is configured.
        from psycopg import ProgrammingError
        from psycopg.conninfo import conninfo_to_dict

        try:
            parameters = conninfo_to_dict(dsn)
        except ProgrammingError as error:
            raise ValueError(f"not a libpq connection string: {error}") from None
        if "password" in parameters:
            raise ValueError("holds a password; put it in password_env or password_file")
        return dsn


def _activity_backend_alias(value: object) -> object:
    """``sqlite`` was the name of "the ledger's own store" before PostgreSQL existed."""
    return "ledger" if value == "sqlite" else value


class LedgerSettings(Strict):
    """Activity, violations and suspensions: in SQLite on this node or a shared PostgreSQL."""

    enabled: bool = True
    backend: Literal["sqlite", "postgresql"] = "sqlite"
    path: Path = Path("/var/lib/aduana/ledger.sqlite")
    """The SQLite file (backend sqlite)."""
    postgresql: PostgresLedgerSettings | None = None
    """The shared database (backend postgresql)."""
    activity_backend: Annotated[
        Literal["ledger", "redis"], BeforeValidator(_activity_backend_alias)
    ] = "ledger"
    """Where last sends are kept: the ledger, or Redis shared by nodes (uses state.redis_url)."""
    suspension_refresh_seconds: float = Field(default=2.0, gt=0)
    """How long suspensions are answered from memory before the ledger is read again."""
    default_severity: Literal["low", "medium", "high"] = "medium"
    severities: dict[str, Literal["low", "medium", "high"]] = Field(default_factory=dict)
    """Severity by rule id or rule family (e.g. 'encryption', 'identity.login_mismatch')."""
    escalation: tuple[EscalationSettings, ...] = ()

    @field_validator("severities")
    @classmethod
    def _known_rules(cls, severities: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        # The loader names the families (Vocabulary.rule_families); settings built in
        # code without them are not checked here.
        families: tuple[str, ...] | None = (info.context or {}).get("rule_families")
        for key in severities:
            if families is not None and key.split(".", 1)[0] not in families:
                raise ValueError(
                    f"{key!r} is not a rule family or rule id; families: " + ", ".join(families)
                )
        return severities

    @model_validator(mode="after")
    def _backend_configured(self) -> LedgerSettings:
        if self.backend == "postgresql" and self.postgresql is None:
            raise ValueError("backend postgresql needs a postgresql: block with its dsn")
        return self


class StateSettings(Strict):
    """Where rolling-window counters live: this node's memory, or a shared Redis."""

    backend: Literal["memory", "redis"] = "memory"
    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_password_env: str | None = None
    redis_password_file: Path | None = None
    key_prefix: str = "aduana:"
    timeout_seconds: float = Field(default=0.2, gt=0)
    retry_after_seconds: float = Field(default=5.0, gt=0)
    hash_secret_env: str | None = None
    hash_secret_file: Path | None = None


class DaemonFile(Strict):
    """The main configuration file: daemon settings and the policy files to load."""

    milter: MilterSettings = MilterSettings()
    metrics: MetricsSettings = MetricsSettings()
    logging: LoggingSettings = LoggingSettings()
    on_internal_error: InternalErrorSettings = InternalErrorSettings()
    monitor_only: bool = False
    language: Literal["es", "en"] = "es"
    templates: Path | None = None
    timezone: str = "America/Mexico_City"
    directory: DirectorySettings
    policies: tuple[Path, ...] = Field(min_length=1)
    default_organisation: str = Field(min_length=1)
    """The organisation whose rules govern mail that matches no organisation."""
    origin: OriginSettings = OriginSettings()
    approvals: Path | None = None
    state: StateSettings = StateSettings()
    inspection: InspectionSettings = InspectionSettings()
    ledger: LedgerSettings = LedgerSettings()
    notices: NoticeDelivery = NoticeDelivery()
    quarantine: QuarantineSettings = QuarantineSettings()
    antivirus: AntivirusSettings | None = None
    """clamd; without it no message is scanned for viruses."""
    lexicons: tuple[Path, ...] = ()
    """Extra lexicon files (YAML) on top of the shipped Spanish and English lists."""

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, timezone: str) -> str:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {timezone!r}") from None
        return timezone
