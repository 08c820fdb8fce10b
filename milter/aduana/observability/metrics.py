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
        for record in ("activity", "violation"):
            metrics.ledger_write_failures.labels(record=record)
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
                "Transactions answered 4xx because a backend (directory, ledger) was unavailable",
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
                "Activity or violations not recorded because the ledger was unavailable",
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
        )
