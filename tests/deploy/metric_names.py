"""The series names aduana exports, read from its real metrics registry, and the
PromQL of the deployment kit (alert rules, Grafana dashboard)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml
from prometheus_client import CollectorRegistry

from aduana.observability.metrics import Metrics

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
ALERT_RULES = DEPLOY / "prometheus" / "aduana-alerts.yml"
ALERT_TESTS = DEPLOY / "prometheus" / "aduana-alerts.test.yml"
SCRAPE_CONFIG = DEPLOY / "prometheus" / "prometheus.yml"
DASHBOARD = DEPLOY / "grafana" / "aduana-dashboard.json"

# Registered by the LDAP directory backend (issue 6); the kit already watches it.
PENDING_SERIES = frozenset({"aduana_directory_degraded"})

_SUFFIXES = {
    "counter": ("_total", "_created"),
    "gauge": ("",),
    "histogram": ("_bucket", "_sum", "_count", "_created"),
    "summary": ("", "_sum", "_count", "_created"),
}
_ADUANA_NAME = re.compile(r"\baduana_[a-zA-Z0-9_]+")
# Values Grafana substitutes before a query reaches Prometheus.
_GRAFANA_VARIABLES = {
    "$__rate_interval": "1m",
    "$__interval": "1m",
    "$__range": "1h",
    "$instance": ".*",
}


def exported_series() -> frozenset[str]:
    """Every series name aduana's metrics can produce, plus the pending ones."""
    registry = CollectorRegistry()
    Metrics.create(registry)
    names = {
        family.name + suffix for family in registry.collect() for suffix in _SUFFIXES[family.type]
    }
    return frozenset(names) | PENDING_SERIES


def aduana_names_in(expr: str) -> set[str]:
    return set(_ADUANA_NAME.findall(expr))


def alert_rules() -> list[dict[str, Any]]:
    document = yaml.safe_load(ALERT_RULES.read_text(encoding="utf-8"))
    return [rule for group in document["groups"] for rule in group["rules"]]


def dashboard() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return loaded


def dashboard_panels() -> list[dict[str, Any]]:
    return [panel for panel in dashboard()["panels"] if panel["type"] != "row"]


def dashboard_exprs() -> list[str]:
    return [target["expr"] for panel in dashboard_panels() for target in panel["targets"]]


def as_sent_by_grafana(expr: str) -> str:
    """The expression with the dashboard's variables substituted."""
    for variable, value in _GRAFANA_VARIABLES.items():
        expr = expr.replace(variable, value)
    return expr
