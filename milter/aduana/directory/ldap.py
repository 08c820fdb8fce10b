"""The LDAP / Active Directory backend: accounts read with ldap3, cached, safe when LDAP is down.

Lookups go to LDAP on a cache miss, through a small pool of bound connections
(pymilter calls from many threads; each connection is used by one thread at a
time). URLs are tried in order, starting with the last one that worked.

While LDAP cannot be reached (socket, timeout, TLS and bind failures, or a
server answering busy/unavailable), a positive answer fetched less than
``cache_ttl_seconds + stale_grace_seconds`` ago is still served. Past that the
fail mode applies: ``tempfail`` raises :class:`DirectoryUnavailableError` (the
adapter answers 451 4.7.1, so the MTA keeps the mail), ``unknown`` returns None.
Then LDAP is tried again at most every ``retry_seconds``, so an outage does not
cost every message a timeout. ``on_state_change(healthy, reason)`` is called on
each transition.

ldap3's ServerPool is not used: with ``active`` set it sleeps
``POOLING_LOOP_TIMEOUT`` (10 s) after a failed round and keeps per-connection
state that is never released, both wrong for a milter.

An address that matches more than one entry is ambiguous and answered as
unknown: which mailbox is meant cannot be decided safely.
"""

from __future__ import annotations

import contextlib
import math
import ssl
import threading
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ldap3 import NONE, Connection, Server, Tls
from ldap3.core.exceptions import (
    LDAPBindError,
    LDAPCommunicationError,
    LDAPResponseTimeoutError,
    LDAPStartTLSError,
)
from ldap3.utils.conv import escape_filter_chars

from aduana.clock import Clock
from aduana.config.directory import LdapDirectorySettings
from aduana.config.schema import Organisation
from aduana.directory.account import (
    Account,
    AccountStatus,
    DirectoryQueryError,
    DirectoryUnavailableError,
)
from aduana.directory.cache import AnswerCache, CachedAnswer
from aduana.mta.addresses import domain_of, in_domains

StateCallback = Callable[[bool, str], None]

# What "LDAP cannot be reached or used right now" looks like; anything else is a bug
# or a configuration problem and goes to the adapter's error boundary.
_OUTAGE_ERRORS = (
    LDAPCommunicationError,
    LDAPResponseTimeoutError,
    LDAPStartTLSError,
    LDAPBindError,
)
# timeLimitExceeded, adminLimitExceeded, busy, unavailable, unwillingToPerform
_OUTAGE_RESULTS = frozenset({3, 11, 51, 52, 53})
_SUCCESS, _SIZE_LIMIT_EXCEEDED, _NO_SUCH_OBJECT = 0, 4, 32
_ACCOUNT_DISABLED = 0x2
_PAGED_RESULTS = "1.2.840.113556.1.4.319"
_MAX_KEY_LENGTH = 320


class _OutageResultError(Exception):
    """LDAP answered, but with busy/unavailable/time limit: handled like an outage."""


_OUTAGES = (*_OUTAGE_ERRORS, _OutageResultError)


def fold(text: str) -> str:
    """Compare ranks and status values regardless of case, accents and spacing."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


def dn_key(dn: str) -> str:
    """A DN in a form to compare: no spaces around separators, case-folded."""
    parts = (part.strip() for part in dn.split(","))
    return ",".join("=".join(s.strip() for s in part.split("=", 1)) for part in parts).casefold()


@dataclass(frozen=True)
class Entry:
    """One directory entry as returned by a search."""

    dn: str
    attributes: Mapping[str, Sequence[str]]

    def values(self, name: str | None) -> list[str]:
        if name is None:
            return []
        wanted = name.casefold()
        for key, found in self.attributes.items():
            if key.casefold() == wanted:
                return [v for v in found if v]
        return []

    def first(self, name: str | None) -> str | None:
        found = self.values(name)
        return found[0] if found else None


class AccountMapper:
    """Turns an entry into an Account: rank onto the ladder, status, organisation."""

    def __init__(self, settings: LdapDirectorySettings, organisations: Iterable[Organisation]):
        self._settings = settings
        self._organisations = {org.id: org for org in organisations}
        self._by_base_dn = sorted(
            ((dn_key(dn), org) for dn, org in settings.organisation_by_base_dn.items()),
            key=lambda item: -len(item[0]),
        )
        self._rank_map = {fold(value): rank for value, rank in settings.rank_map.items()}
        self._suspended_values = {fold(v) for v in settings.suspended_values}
        self._cancelled_values = {fold(v) for v in settings.cancelled_values}
        self._suspended_group = _optional_dn(settings.suspended_group_dn)
        self._cancelled_group = _optional_dn(settings.cancelled_group_dn)

    def attribute_names(self) -> list[str]:
        s = self._settings
        names: list[str | None] = [s.mail_attribute, *s.alias_attributes, s.name_attribute]
        names += [s.unit_attribute, s.rank_attribute, s.login_attribute, s.status_attribute]
        if s.suspended_group_dn or s.cancelled_group_dn:
            names.append(s.member_of_attribute)
        if s.disabled_account_is != "ignored":
            names.append(s.account_control_attribute)
        return sorted({n for n in names if n})

    def account(self, entry: Entry) -> Account | None:
        """The account, or None if the entry has no mail or belongs to no organisation."""
        s = self._settings
        address = entry.first(s.mail_attribute)
        if address is None:
            return None
        organisation = self._organisation(entry.dn, address)
        if organisation is None:
            return None
        return Account(
            address=address,
            name=entry.first(s.name_attribute) or address,
            rank=self._rank(entry.values(s.rank_attribute), organisation),
            unit=entry.first(s.unit_attribute) or "",
            organisation=organisation.id,
            status=self._status(entry),
            login=entry.first(s.login_attribute),
            aliases=self._aliases(entry, address),
        )

    def _organisation(self, dn: str, address: str) -> Organisation | None:
        key = dn_key(dn)
        for base, org_id in self._by_base_dn:
            if key == base or key.endswith("," + base):
                return self._organisations.get(org_id)
        domain = domain_of(address)
        return next(
            (o for o in self._organisations.values() if in_domains(domain, o.domains)), None
        )

    def _rank(self, values: Sequence[str], organisation: Organisation) -> str:
        ladder = {fold(rank): rank for rank in organisation.ranks}
        for value in values:
            mapped = self._rank_map.get(fold(value), value)
            if fold(mapped) in ladder:
                return ladder[fold(mapped)]
        default = self._settings.default_rank
        return default if default in organisation.ranks else organisation.ranks[0]

    def _status(self, entry: Entry) -> AccountStatus:
        s = self._settings
        values = {fold(v) for v in entry.values(s.status_attribute)}
        groups = {dn_key(g) for g in entry.values(s.member_of_attribute)}
        disabled = any(_disabled(v) for v in entry.values(s.account_control_attribute))
        if (
            values & self._cancelled_values
            or self._cancelled_group in groups
            or (disabled and s.disabled_account_is == "cancelled")
        ):
            return AccountStatus.CANCELLED
        if (
            values & self._suspended_values
            or self._suspended_group in groups
            or (disabled and s.disabled_account_is == "suspended")
        ):
            return AccountStatus.SUSPENDED
        return AccountStatus.ACTIVE

    def _aliases(self, entry: Entry, address: str) -> tuple[str, ...]:
        aliases: list[str] = []
        for name in self._settings.alias_attributes:
            for value in entry.values(name):
                kind, colon, rest = value.partition(":")
                # AD proxyAddresses: "SMTP:primary", "smtp:alias", "X500:..." and others.
                if colon and "@" not in kind and kind.casefold() != "smtp":
                    continue
                alias = rest if colon and "@" not in kind else value
                if alias.casefold() != address.casefold() and alias not in aliases:
                    aliases.append(alias)
        return tuple(aliases)


def _optional_dn(dn: str | None) -> str | None:
    return None if dn is None else dn_key(dn)


def _disabled(value: str) -> bool:
    try:
        return bool(int(value) & _ACCOUNT_DISABLED)
    except ValueError:
        return False


class ConnectionPool:
    """Up to ``size`` bound connections, each used by one thread at a time."""

    def __init__(self, settings: LdapDirectorySettings, password: str | None) -> None:
        self._tls = Tls(
            validate=ssl.CERT_REQUIRED,
            ca_certs_file=None if settings.ca_file is None else str(settings.ca_file),
        )
        self._settings = settings
        self._password = password
        self._slots = threading.BoundedSemaphore(settings.pool_size)
        self._lock = threading.Lock()
        self._idle: list[Connection] = []
        self._preferred = 0
        self._closed = False

    def search(self, search_filter: str, attributes: list[str]) -> list[Entry]:
        """Entries matching the filter under the base DN (at most two are fetched)."""
        with self._slots:
            reused = self._take_idle()
            if reused is not None:
                try:
                    return self._search_and_keep(reused, search_filter, attributes)
                except LDAPCommunicationError:
                    pass  # The server dropped an idle connection: try once on a new one.
            return self._search_and_keep(self._open(), search_filter, attributes)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for connection in idle:
            _discard(connection)

    def _search_and_keep(
        self, connection: Connection, search_filter: str, attributes: list[str]
    ) -> list[Entry]:
        try:
            entries = self._search(connection, search_filter, attributes)
        except BaseException:
            _discard(connection)
            raise
        with self._lock:
            if not self._closed:
                self._idle.append(connection)
                return entries
        _discard(connection)
        return entries

    def _search(
        self, connection: Connection, search_filter: str, attributes: list[str]
    ) -> list[Entry]:
        connection.search(
            self._settings.base_dn,
            search_filter,
            attributes=attributes,
            size_limit=2,
            time_limit=max(1, round(self._settings.timeout_seconds)),
        )
        result: dict[str, Any] = connection.result
        return self._entries(connection, result, _SIZE_LIMIT_EXCEEDED)

    @staticmethod
    def _entries(connection: Connection, result: dict[str, Any], *accepted: int) -> list[Entry]:
        code = result.get("result")
        if code in _OUTAGE_RESULTS:
            raise _OutageResultError(f"LDAP answered {result.get('description')}")
        if code not in (_SUCCESS, _NO_SUCH_OBJECT, *accepted):
            raise DirectoryQueryError(
                f"LDAP search failed: {result.get('description')} {result.get('message', '')}"
            )
        return [
            Entry(item["dn"], _text_attributes(item.get("attributes", {})))
            for item in connection.response or ()
            if item.get("type") == "searchResEntry"
        ]

    def search_all(self, search_filter: str, attributes: list[str]) -> list[Entry]:
        """Every entry matching the filter, page by page, on a connection of its own."""
        with self._slots:
            connection = self._open()
            try:
                return self._paged(connection, search_filter, attributes)
            finally:
                _discard(connection)

    def _paged(
        self, connection: Connection, search_filter: str, attributes: list[str]
    ) -> list[Entry]:
        entries: list[Entry] = []
        cookie: bytes | None = None
        while True:
            connection.search(
                self._settings.base_dn,
                search_filter,
                attributes=attributes,
                paged_size=self._settings.page_size,
                paged_cookie=cookie,
                time_limit=max(1, round(self._settings.timeout_seconds)),
            )
            result: dict[str, Any] = connection.result
            entries += self._entries(connection, result)
            control = (result.get("controls") or {}).get(_PAGED_RESULTS, {})
            cookie = control.get("value", {}).get("cookie") or None
            if cookie is None:
                return entries

    def _take_idle(self) -> Connection | None:
        with self._lock:
            return self._idle.pop() if self._idle else None

    def _open(self) -> Connection:
        urls = self._settings.urls
        start = self._preferred
        failure: Exception | None = None
        for index in (start + offset for offset in range(len(urls))):
            # A new Server each time: a shared one remembers failed addresses for a
            # while and refuses to try them, which would defeat our own retry timing.
            server = Server(
                urls[index % len(urls)],
                get_info=NONE,
                tls=self._tls,
                connect_timeout=self._settings.timeout_seconds,
            )
            connection = Connection(
                server,
                user=self._settings.bind_dn,
                password=self._password,
                auto_bind="NONE",
                read_only=True,
                # AD answers with referrals to other partitions; chasing them costs time.
                auto_referrals=False,
                # ldap3 packs this into SO_RCVTIMEO as whole seconds.
                receive_timeout=math.ceil(self._settings.timeout_seconds),
                return_empty_attributes=False,
            )
            try:
                _bind(connection, self._settings.start_tls)
            except _OUTAGE_ERRORS as error:
                _discard(connection)
                failure = error
                continue
            self._preferred = index % len(urls)
            return connection
        assert failure is not None
        raise failure


def _bind(connection: Connection, start_tls: bool) -> None:
    if start_tls and not connection.start_tls():
        raise LDAPStartTLSError(f"StartTLS refused: {connection.result.get('description')}")
    if not connection.bind():
        description = (connection.result or {}).get("description", "failed")
        raise LDAPBindError(f"bind refused: {description}")


def _discard(connection: Connection) -> None:
    # A connection whose server is gone has nothing left to close.
    with contextlib.suppress(LDAPCommunicationError):
        connection.unbind()


def _text_attributes(raw: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    attributes: dict[str, tuple[str, ...]] = {}
    for name, value in raw.items():
        items = value if isinstance(value, list | tuple) else [value]
        attributes[name] = tuple(
            item.decode("utf-8", "replace") if isinstance(item, bytes) else str(item)
            for item in items
        )
    return attributes


class LdapDirectory:
    """The Directory protocol over LDAP or Active Directory; safe to share between threads."""

    def __init__(
        self,
        settings: LdapDirectorySettings,
        organisations: Iterable[Organisation],
        clock: Clock,
        on_state_change: StateCallback,
        *,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        """Raises ValueError if the bind password cannot be read; connects lazily."""
        self._settings = settings
        self._clock = clock
        self._on_state_change = on_state_change
        self._mapper = AccountMapper(settings, organisations)
        self._attributes = self._mapper.attribute_names()
        self._pool = ConnectionPool(settings, settings.bind_password(environ))
        self._cache = AnswerCache(settings.cache_max_entries)
        self._state_lock = threading.Lock()
        self._healthy = True
        self._next_attempt = 0.0

    @property
    def healthy(self) -> bool:
        with self._state_lock:
            return self._healthy

    def by_address(self, address: str) -> Account | None:
        return self._lookup("address", address, self._settings.user_filter)

    def by_login(self, login: str) -> Account | None:
        return self._lookup("login", login, self._settings.login_filter)

    def accounts(self) -> list[Account]:
        """Every account of the directory (for reports), by a paged search; no cache.

        Raises DirectoryUnavailableError when LDAP cannot be reached, and
        DirectoryQueryError when it refuses the search: a report must not
        silently list a part of the directory.
        """
        try:
            entries = self._pool.search_all(self._settings.accounts_filter, self._attributes)
        except _OUTAGES as error:
            raise DirectoryUnavailableError(f"{type(error).__name__}: {error}") from error
        accounts = (self._mapper.account(entry) for entry in entries)
        return [account for account in accounts if account is not None]

    def close(self) -> None:
        """Unbind the idle connections; lookups still work but no longer pool connections."""
        self._pool.close()

    def _lookup(self, kind: str, value: str, template: str) -> Account | None:
        value = value.strip()
        if not value or len(value) > _MAX_KEY_LENGTH or not value.isprintable():
            return None
        key = (kind, value.casefold())
        now = self._clock()
        cached = self._cache.get(key)
        if cached is not None and self._fresh(cached, now):
            return cached.account
        if not self._may_try(now):
            return self._fallback(cached, now, "LDAP is down; waiting to retry")
        search_filter = template.replace("{" + kind + "}", escape_filter_chars(value))
        try:
            entries = self._pool.search(search_filter, self._attributes)
        except _OUTAGES as error:
            reason = f"{type(error).__name__}: {error}"
            self._went_down(now, reason)
            return self._fallback(cached, now, reason)
        self._came_up()
        account = self._mapper.account(entries[0]) if len(entries) == 1 else None
        self._cache.put(key, CachedAnswer(account, now))
        return account

    def _fresh(self, cached: CachedAnswer, now: float) -> bool:
        s = self._settings
        ttl = s.cache_ttl_seconds if cached.account is not None else s.negative_cache_ttl_seconds
        return 0 <= now - cached.fetched_at < ttl

    def _fallback(self, cached: CachedAnswer | None, now: float, reason: str) -> Account | None:
        s = self._settings
        if (
            cached is not None
            and cached.account is not None
            and now - cached.fetched_at < s.cache_ttl_seconds + s.stale_grace_seconds
        ):
            return cached.account
        if s.fail_mode == "unknown":
            return None
        raise DirectoryUnavailableError(reason)

    def _may_try(self, now: float) -> bool:
        with self._state_lock:
            if self._healthy:
                return True
            # A clock that went backwards must not postpone the retry indefinitely.
            if now >= self._next_attempt or now < self._next_attempt - self._settings.retry_seconds:
                self._next_attempt = now + self._settings.retry_seconds
                return True
            return False

    def _went_down(self, now: float, reason: str) -> None:
        with self._state_lock:
            self._next_attempt = now + self._settings.retry_seconds
            changed, self._healthy = self._healthy, False
        if changed:
            self._on_state_change(False, reason)

    def _came_up(self) -> None:
        with self._state_lock:
            changed, self._healthy = not self._healthy, True
        if changed:
            self._on_state_change(True, "LDAP answers again")
