"""The Prometheus alert rules and scrape config in deploy/prometheus, checked by promtool."""

from __future__ import annotations

import subprocess

import pytest

from tests.support.prometheus_server import PROMTOOL, promtool_available
from tests.support.required_servers import require_server

from .metric_names import (
    ALERT_RULES,
    ALERT_TESTS,
    SCRAPE_CONFIG,
    aduana_names_in,
    alert_rules,
    exported_series,
)

EXPECTED_ALERTS = [
    "AduanaDown",
    "AduanaInternalErrors",
    "AduanaTempfailRateHigh",
    "AduanaConfigReloadFailed",
    "AduanaStateBackendDegraded",
    "AduanaDirectoryDegraded",
    "AduanaSlowProcessing",
    "AduanaLedgerUnavailable",
    "AduanaNoticesQueued",
    "AduanaNoticesLost",
    "AduanaQuarantineBacklogLarge",
    "AduanaQuarantineBacklogStale",
    "AduanaQuarantineBacklogUnreadable",
    "AduanaAntivirusUnavailable",
]


def _promtool(*args: str) -> subprocess.CompletedProcess[str]:
    require_server(
        "promtool", promtool_available(), "Debian package 'prometheus' (make system installs it)"
    )
    return subprocess.run(
        [PROMTOOL, *args], capture_output=True, text=True, timeout=60, check=False
    )


def test_promtool_accepts_the_alert_rules() -> None:
    """`promtool check rules` is what CI and an operator run before deploying them."""
    result = _promtool("check", "rules", str(ALERT_RULES))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(EXPECTED_ALERTS)} rules found" in result.stdout


def test_alerts_fire_exactly_when_their_unit_tests_say() -> None:
    """Each alert fires on its failure scenario, and not on the healthy look-alike."""
    result = _promtool("test", "rules", str(ALERT_TESTS))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_promtool_accepts_the_scrape_config() -> None:
    """The shipped prometheus.yml is valid and finds the alert rules beside it."""
    result = _promtool("check", "config", str(SCRAPE_CONFIG))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 1 rule files found" in result.stdout


@pytest.mark.parametrize("alert", EXPECTED_ALERTS)
def test_every_alert_tells_the_operator_what_to_do(alert: str) -> None:
    """An alert without a summary and a description is a page nobody can act on."""
    rules = {rule["alert"]: rule for rule in alert_rules()}
    annotations = rules[alert]["annotations"]
    assert annotations["summary"].strip()
    assert len(annotations["description"].split()) >= 20
    assert rules[alert]["labels"]["severity"] in {"critical", "warning"}


@pytest.mark.parametrize("alert", EXPECTED_ALERTS)
def test_every_alert_has_a_promtool_unit_test(alert: str) -> None:
    """An alert nobody has seen fire may never fire."""
    assert f"alertname: {alert}\n" in ALERT_TESTS.read_text(encoding="utf-8")


@pytest.mark.parametrize("rule", alert_rules(), ids=lambda rule: str(rule["alert"]))
def test_alerts_watch_only_metrics_aduana_exports(rule: dict[str, object]) -> None:
    """A misspelt metric name makes an alert that silently never fires."""
    assert aduana_names_in(str(rule["expr"])) <= exported_series()
