"""A private Prometheus server on 127.0.0.1 for tests: free port, temp storage, fast scrapes.

with PrometheusServer(tmp_path, targets=["127.0.0.1:9925"], rule_files=[ALERTS]) as prom:
    prom.wait_for('up{job="aduana"} == 1', timeout=20)
    prom.query("aduana_config_reloads_total")
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tests.support.server_process import ServerProcess

LOOPBACK = "127.0.0.1"
PROMETHEUS = "prometheus"
PROMTOOL = "promtool"


def prometheus_available() -> bool:
    return shutil.which(PROMETHEUS) is not None


def promtool_available() -> bool:
    return shutil.which(PROMTOOL) is not None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


class PrometheusError(RuntimeError):
    """Prometheus did not start, or answered a query with an error."""


def scrape_config(
    job: str, targets: Sequence[str], rule_files: Sequence[Path], interval: str
) -> str:
    """A prometheus.yml scraping ``targets`` as ``job`` (JSON is valid YAML)."""
    config = {
        "global": {"scrape_interval": interval, "evaluation_interval": interval},
        "rule_files": [str(path) for path in rule_files],
        "scrape_configs": [
            {
                "job_name": job,
                "scrape_interval": interval,
                "scrape_timeout": interval,
                "static_configs": [{"targets": list(targets)}],
            }
        ],
    }
    return json.dumps(config, indent=2)


class PrometheusServer(ServerProcess):
    stop_timeout = 10.0

    """One prometheus process scraping ``targets``; its data lives under ``workdir``."""

    def __init__(
        self,
        workdir: Path,
        targets: Sequence[str],
        *,
        job: str = "aduana",
        rule_files: Sequence[Path] = (),
        scrape_interval: str = "1s",
        port: int | None = None,
    ) -> None:
        self.workdir = workdir
        self.targets = list(targets)
        self.job = job
        self.rule_files = list(rule_files)
        self.scrape_interval = scrape_interval
        self.port = port or _free_port()
        super().__init__()

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / "prometheus.log"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def start(self, timeout: float = 15.0) -> None:
        if self.running:
            return
        self.workdir.mkdir(parents=True, exist_ok=True)
        config = self.workdir / "prometheus.yml"
        config.write_text(
            scrape_config(self.job, self.targets, self.rule_files, self.scrape_interval),
            encoding="utf-8",
        )
        command = [
            PROMETHEUS,
            f"--config.file={config}",
            f"--storage.tsdb.path={self.workdir / 'data'}",
            f"--web.listen-address={LOOPBACK}:{self.port}",
            "--storage.tsdb.retention.time=1h",
        ]
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout
        while not self._ready():
            if not self.running or time.monotonic() > deadline:
                self.stop()
                raise PrometheusError(
                    f"prometheus did not start on port {self.port}:\n{self.log_text()}"
                )
            time.sleep(0.1)

    def _ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/-/ready", timeout=0.5) as response:
                return int(response.status) == 200
        except (urllib.error.URLError, OSError):
            return False

    def api(self, path: str, **params: str) -> Any:
        """GET /api/v1/PATH and return its ``data``; an error answer raises PrometheusError."""
        query = urllib.parse.urlencode(params)
        url = f"{self.url}/api/v1/{path}" + (f"?{query}" if query else "")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                body = json.load(response)
        except urllib.error.HTTPError as error:
            body = json.load(error)
        if body.get("status") != "success":
            raise PrometheusError(f"{path} {params}: {body.get('errorType')}: {body.get('error')}")
        return body["data"]

    def query(self, expr: str) -> list[dict[str, Any]]:
        """Instant query; returns the vector's samples (an empty list when none match)."""
        data = self.api("query", query=expr)
        result: list[dict[str, Any]] = data["result"] if data["resultType"] == "vector" else []
        return result

    def wait_for(self, expr: str, timeout: float) -> list[dict[str, Any]]:
        """Poll until ``expr`` returns at least one sample; PrometheusError on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            samples = self.query(expr)
            if samples:
                return samples
            if time.monotonic() > deadline:
                targets = self.api("targets")
                raise PrometheusError(f"no sample for {expr} after {timeout}s; targets: {targets}")
            time.sleep(0.25)
