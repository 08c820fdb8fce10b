"""A real Prometheus from Debian scrapes a running aduana, loads the shipped alert
rules, and answers every query of the shipped dashboard."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.e2e.aduana_fixtures import RunningAduana, start_aduana
from tests.e2e.harness import MilterFactory
from tests.support.prometheus_server import (
    PrometheusServer,
    prometheus_available,
)
from tests.support.required_servers import require_server

from .metric_names import ALERT_RULES, alert_rules, as_sent_by_grafana, dashboard_panels

pytestmark = pytest.mark.e2e

SCRAPE_DEADLINE = 20.0


@dataclass(frozen=True)
class Monitored:
    aduana: RunningAduana
    prometheus: PrometheusServer


@pytest.fixture(scope="module")
def monitored(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Monitored]:
    """One aduana on the shipped config, scraped every second by one Prometheus."""
    require_server(
        "prometheus",
        prometheus_available(),
        "Debian package 'prometheus' (make system installs it)",
    )
    workdir = tmp_path_factory.mktemp("scrape")
    milters = MilterFactory(workdir / "milters")
    try:
        aduana = start_aduana(milters, workdir)
        target = aduana.metrics_url.removeprefix("http://").removesuffix("/metrics")
        with PrometheusServer(
            workdir / "prometheus", [target], job="aduana", rule_files=[ALERT_RULES]
        ) as prometheus:
            yield Monitored(aduana, prometheus)
    finally:
        milters.cleanup()


def test_prometheus_sees_aduana_up(monitored: Monitored) -> None:
    """The scrape job the kit describes reaches aduana's /metrics."""
    (sample,) = monitored.prometheus.wait_for('up{job="aduana"} == 1', SCRAPE_DEADLINE)
    assert sample["value"][1] == "1"


def test_reload_counters_exist_before_any_reload(monitored: Monitored) -> None:
    """AduanaConfigReloadFailed and the dashboard need the series from the first scrape."""
    samples = monitored.prometheus.wait_for(
        'aduana_config_reloads_total{job="aduana"}', SCRAPE_DEADLINE
    )
    assert {s["metric"]["result"]: s["value"][1] for s in samples} == {
        "success": "0",
        "failure": "0",
    }


def test_a_reload_shows_up_in_prometheus(monitored: Monitored) -> None:
    """SIGHUP (systemctl reload) is counted and scraped, so a failed one can page."""
    monitored.prometheus.wait_for('up{job="aduana"} == 1', SCRAPE_DEADLINE)
    monitored.aduana.process.hup()
    (sample,) = monitored.prometheus.wait_for(
        'aduana_config_reloads_total{job="aduana", result="success"} == 1', SCRAPE_DEADLINE
    )
    assert sample["metric"]["instance"].startswith("127.0.0.1:")
    assert monitored.prometheus.query(
        'aduana_config_last_reload_timestamp_seconds{result="success"} > ' + str(time.time() - 60)
    )


def test_prometheus_evaluates_every_alert_rule_without_error(monitored: Monitored) -> None:
    """The shipped rules load into a real server and evaluate against real series."""
    monitored.prometheus.wait_for('up{job="aduana"} == 1', SCRAPE_DEADLINE)
    expected = {rule["alert"] for rule in alert_rules()}
    deadline = time.monotonic() + SCRAPE_DEADLINE
    while True:
        groups = monitored.prometheus.api("rules")["groups"]
        rules = {rule["name"]: rule for group in groups for rule in group["rules"]}
        # Never-evaluated rules report Go's zero time.
        evaluated = all(not r["lastEvaluation"].startswith("0001") for r in rules.values())
        if (set(rules) == expected and evaluated) or time.monotonic() > deadline:
            break
        time.sleep(0.25)
    assert set(rules) == expected
    assert {name: rule["health"] for name, rule in rules.items()} == dict.fromkeys(expected, "ok")
    firing = [name for name, rule in rules.items() if rule["state"] == "firing"]
    assert firing == [], "a healthy aduana must not page anyone"


def test_every_dashboard_query_runs_against_live_data(monitored: Monitored) -> None:
    """Each panel's query, as Grafana sends it, is accepted by Prometheus."""
    monitored.prometheus.wait_for('up{job="aduana"} == 1', SCRAPE_DEADLINE)
    for panel in dashboard_panels():
        for target in panel["targets"]:
            monitored.prometheus.api("query", query=as_sent_by_grafana(target["expr"]))
    up_panel = next(p for p in dashboard_panels() if p["title"] == "aduana up")
    (up,) = monitored.prometheus.query(as_sent_by_grafana(up_panel["targets"][0]["expr"]))
    assert up["value"][1] == "1"


def test_aduana_logged_no_warning_while_scraped(monitored: Monitored) -> None:
    """Being scraped and reloaded is routine: nothing worth a warning."""
    levels = {
        str(line.get("event")): line.get("level")
        for line in monitored.aduana.process.log_lines()
        if isinstance(line, dict) and line.get("level") in {"warning", "error", "critical"}
    }
    assert levels == {}
