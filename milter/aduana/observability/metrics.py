"""Prometheus metrics, registered on an injected CollectorRegistry.

Labels never carry e-mail addresses: only actions, rule ids, clauses,
organisation ids and ranks, all bounded by the configuration.
"""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

_SECONDS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
_BYTES = (4096, 16384, 65536, 262144, 1048576, 5242880, 10485760, 26214400, 52428800)


@dataclass(frozen=True)
class Metrics:
    registry: CollectorRegistry
    transactions: Counter
    origins: Counter
    rule_hits: Counter
    processing_seconds: Histogram
    message_size_bytes: Histogram
    internal_errors: Counter
    config_reloads: Counter
    config_last_reload: Gauge
    connections_open: Gauge
    window_peak_usage: Gauge
    state_degraded: Gauge
    approvals_used: Counter
    directory_degraded: Gauge
    backend_tempfails: Counter
    sending_suspensions: Counter
    ledger_write_failures: Counter
    notices: Counter
    notices_queued: Gauge
    quarantine_backlog: Gauge
    quarantine_held: Gauge
    quarantine_oldest: Gauge
    quarantine_reviews: Counter
    quarantine_last_read: Gauge
    quarantine_unreadable: Gauge
    antivirus_scans: Counter
    parts_uninspectable: Counter

    @classmethod
    def create(cls, registry: CollectorRegistry) -> Metrics:
        metrics = cls._register(registry)
        # Series that alerts watch exist from the start, at zero.
        for result in ("success", "failure"):
            metrics.config_reloads.labels(result=result)
        for result in ("sent", "deferred", "failure"):
            metrics.notices.labels(result=result)
        for backend in ("directory", "ledger"):
            metrics.backend_tempfails.labels(backend=backend)
        for record in ("activity", "violation", "review"):
            metrics.ledger_write_failures.labels(record=record)
        for origin in ("authenticated", "internal", "internet"):
            metrics.origins.labels(origin=origin)
        metrics.antivirus_scans.labels(result="unavailable")
        metrics.backend_tempfails.labels(backend="clamd")
        return metrics

    @classmethod
    def _register(cls, registry: CollectorRegistry) -> Metrics:
        return cls(
            registry=registry,
            transactions=Counter(
                "aduana_transactions",
                "Decided SMTP transactions by action",
                ["action"],
                registry=registry,
            ),
            origins=Counter(
                "aduana_transactions_by_origin",
                "Transactions (MAIL FROM) by the origin aduana established:"
                " authenticated, internal or internet",
                ["origin"],
                registry=registry,
            ),
            rule_hits=Counter(
                "aduana_rule_hits",
                "Rule hits by rule, clause, organisation and rank",
                ["rule", "clause", "organisation", "rank", "enforced"],
                registry=registry,
            ),
            processing_seconds=Histogram(
                "aduana_processing_seconds",
                "Time aduana spent on one transaction",
                buckets=_SECONDS,
                registry=registry,
            ),
            message_size_bytes=Histogram(
                "aduana_message_size_bytes",
                "Size of messages that reached end of data",
                buckets=_BYTES,
                registry=registry,
            ),
            internal_errors=Counter(
                "aduana_internal_errors",
                "Unexpected errors, answered with the configured default",
                ["stage"],
                registry=registry,
            ),
            config_reloads=Counter(
                "aduana_config_reloads",
                "Configuration reloads by result",
                ["result"],
                registry=registry,
            ),
            config_last_reload=Gauge(
                "aduana_config_last_reload_timestamp_seconds",
                "Unix time of the last configuration reload attempt, by result",
                ["result"],
                registry=registry,
            ),
            connections_open=Gauge(
                "aduana_milter_connections_open",
                "Milter connections currently open",
                registry=registry,
            ),
            window_peak_usage=Gauge(
                "aduana_mass_mailing_peak_window_usage_ratio",
                "Highest share of a rate-window limit used by any one sender (1 = at the limit)",
                ["window"],
                registry=registry,
            ),
            state_degraded=Gauge(
                "aduana_state_backend_degraded",
                "1 while the shared counter store (Redis) is unreachable and local counts are used",
                registry=registry,
            ),
            approvals_used=Counter(
                "aduana_approvals_used",
                "Reasons waived by a written approval, by clause",
                ["clause"],
                registry=registry,
            ),
            directory_degraded=Gauge(
                "aduana_directory_degraded",
                "1 while the LDAP directory is unreachable (answers from cache, then fail mode)",
                registry=registry,
            ),
            backend_tempfails=Counter(
                "aduana_backend_tempfails",
                "Transactions answered 4xx because a backend (directory, ledger, clamd) was down",
                ["backend"],
                registry=registry,
            ),
            sending_suspensions=Counter(
                "aduana_sending_suspensions",
                "Accounts whose sending was suspended by escalation of violations",
                registry=registry,
            ),
            ledger_write_failures=Counter(
                "aduana_ledger_write_failures",
                "Activity, violations or review records not written: the ledger was unavailable",
                ["record"],
                registry=registry,
            ),
            notices=Counter(
                "aduana_notices",
                "Notices to senders and administrators handed to the MTA, by result",
                ["result"],
                registry=registry,
            ),
            notices_queued=Gauge(
                "aduana_notices_queued",
                "Notices waiting on disk for the MTA to take them",
                registry=registry,
            ),
            quarantine_backlog=Gauge(
                "aduana_quarantine_backlog_messages",
                "Messages in the MTA's hold queue (each counted once)",
                registry=registry,
            ),
            quarantine_held=Gauge(
                "aduana_quarantine_held_messages",
                "Messages in the hold queue by a clause that held them ('unrecorded' if unknown)",
                ["clause"],
                registry=registry,
            ),
            quarantine_oldest=Gauge(
                "aduana_quarantine_oldest_held_seconds",
                "Age of the oldest message in the hold queue, by clause",
                ["clause"],
                registry=registry,
            ),
            quarantine_reviews=Counter(
                "aduana_quarantine_reviews",
                "Review-desk actions on held messages (from the ledger), by action and override",
                ["action", "override"],
                registry=registry,
            ),
            quarantine_last_read=Gauge(
                "aduana_quarantine_backlog_last_read_timestamp_seconds",
                "Unix time the daemon last read the hold queue successfully",
                registry=registry,
            ),
            quarantine_unreadable=Gauge(
                "aduana_quarantine_backlog_unreadable",
                "1 while the daemon cannot read the hold queue (postqueue) or the review ledger",
                registry=registry,
            ),
            antivirus_scans=Counter(
                "aduana_antivirus_scans",
                "Messages scanned by clamd, by result (clean, infected, unavailable, too_large)",
                ["result"],
                registry=registry,
            ),
            parts_uninspectable=Counter(
                "aduana_parts_uninspectable",
                "Parts whose reader raised, by exception type (each refuses its message)",
                ["error"],
                registry=registry,
            ),
        )
