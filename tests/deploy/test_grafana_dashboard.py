"""The Grafana dashboard in deploy/grafana: importable, and every query is real PromQL
over metrics aduana exports."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.support.prometheus_server import PROMTOOL, promtool_available
from tests.support.required_servers import require_server

from .metric_names import (
    aduana_names_in,
    as_sent_by_grafana,
    dashboard,
    dashboard_exprs,
    dashboard_panels,
    exported_series,
)

DATASOURCE = {"type": "prometheus", "uid": "${DS_PROMETHEUS}"}


def test_dashboard_asks_for_its_prometheus_on_import() -> None:
    """Importing it in Grafana prompts for the data source instead of failing on a uid."""
    board = dashboard()
    assert [(i["name"], i["pluginId"]) for i in board["__inputs"]] == [
        ("DS_PROMETHEUS", "prometheus")
    ]
    for panel in dashboard_panels():
        assert panel["datasource"] == DATASOURCE, panel["title"]
        for target in panel["targets"]:
            assert target["datasource"] == DATASOURCE, panel["title"]


def test_dashboard_is_a_current_grafana_schema_with_unique_panels() -> None:
    board = dashboard()
    assert board["schemaVersion"] >= 39
    assert board["uid"] == "aduana-gateway"
    assert board["title"]
    ids = [panel["id"] for panel in board["panels"]]
    assert len(ids) == len(set(ids))
    for panel in board["panels"]:
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24, panel["title"]


@pytest.mark.parametrize(
    ("title_word", "metric"),
    [
        ("action", "aduana_transactions_total"),
        ("clauses", "aduana_rule_hits_total"),
        ("rank", "aduana_rule_hits_total"),
        ("Processing time", "aduana_processing_seconds_bucket"),
        ("Message size", "aduana_message_size_bytes_bucket"),
        ("Internal errors", "aduana_internal_errors_total"),
        ("Degraded", "aduana_state_backend_degraded"),
        ("Degraded", "aduana_directory_degraded"),
        ("reloads", "aduana_config_reloads_total"),
        ("Held for review", "aduana_quarantine_held_messages"),
        ("Review desk", "aduana_quarantine_reviews_total"),
    ],
)
def test_dashboard_shows_what_an_operator_looks_for(title_word: str, metric: str) -> None:
    """Traffic by action, top clauses, ranks, latency, sizes, errors, backends, reloads."""
    panels = [p for p in dashboard_panels() if title_word.lower() in p["title"].lower()]
    exprs = [target["expr"] for panel in panels for target in panel["targets"]]
    assert any(metric in expr for expr in exprs), [p["title"] for p in panels]


def test_latency_panel_shows_p50_p95_p99() -> None:
    (panel,) = [p for p in dashboard_panels() if p["title"] == "Processing time percentiles"]
    quantiles = [t["expr"].split(",")[0] for t in panel["targets"]]
    assert quantiles == [f"histogram_quantile({q}" for q in ("0.5", "0.95", "0.99")]


@pytest.mark.parametrize(
    "expr",
    [
        pytest.param(target["expr"], id=f"{panel['title']} {target['refId']}")
        for panel in dashboard_panels()
        for target in panel["targets"]
    ],
)
def test_dashboard_queries_only_metrics_aduana_exports(expr: str) -> None:
    """A misspelt metric name makes a panel that silently shows 'No data'."""
    assert aduana_names_in(expr) or expr.startswith("min(up{"), expr
    assert aduana_names_in(expr) <= exported_series()


def test_every_dashboard_query_is_valid_promql(tmp_path: Path) -> None:
    """promtool parses each query, with Grafana's variables substituted."""
    require_server(
        "promtool", promtool_available(), "Debian package 'prometheus' (make system installs it)"
    )
    rules = {
        "groups": [
            {
                "name": "dashboard",
                "rules": [
                    {"record": f"dashboard:query_{index}", "expr": as_sent_by_grafana(expr)}
                    for index, expr in enumerate(dashboard_exprs())
                ],
            }
        ]
    }
    rules_file = tmp_path / "dashboard-queries.yml"
    rules_file.write_text(json.dumps(rules), encoding="utf-8")
    result = subprocess.run(
        [PROMTOOL, "check", "rules", str(rules_file)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
