"""A real `aduana run` process on a private copy of the shipped configuration."""

from __future__ import annotations

import shutil
import sys
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import SHIPPED_CONFIG

from .harness import LOOPBACK, MilterFactory, MilterProcess, free_port


@dataclass
class RunningAduana:
    process: MilterProcess
    config_dir: Path
    metrics_url: str

    @property
    def config_file(self) -> Path:
        return self.config_dir / "aduana.yaml"

    def metric(self, name: str, **labels: str) -> float:
        """One sample scraped from the live /metrics endpoint (0 when absent)."""
        with urllib.request.urlopen(self.metrics_url, timeout=5) as response:
            text = response.read().decode()
        wanted = name + (
            "{" + ",".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}" if labels else ""
        )
        for line in text.splitlines():
            if line.startswith("#"):
                continue
            sample, _, value = line.rpartition(" ")
            if _sorted_labels(sample) == wanted:
                return float(value)
        return 0.0

    def events(self, name: str) -> list[dict[str, object]]:
        return [
            line
            for line in self.process.log_lines()
            if isinstance(line, dict) and line.get("event") == name
        ]


def _sorted_labels(sample: str) -> str:
    name, brace, rest = sample.partition("{")
    if not brace:
        return sample
    labels = sorted(rest.rstrip("}").split(","))
    return name + "{" + ",".join(labels) + "}"


def start_aduana(
    milter_factory: MilterFactory,
    workdir: Path,
    extra_config: str = "",
    edit: Callable[[Path], None] | None = None,
    env: Mapping[str, str] | None = None,
) -> RunningAduana:
    """Start aduana on the shipped config.

    ``extra_config`` YAML replaces top-level keys of aduana.yaml; ``edit`` may change
    any file of the copied configuration directory before the daemon starts.
    """
    config_dir = workdir / "config"
    shutil.copytree(SHIPPED_CONFIG.parent, config_dir)
    if edit is not None:
        edit(config_dir)
    milter_port, metrics_port = free_port(), free_port()
    config = config_dir / "aduana.yaml"
    text = config.read_text(encoding="utf-8")
    text = text.replace('"inet:10025@127.0.0.1"', f'"inet:{milter_port}@{LOOPBACK}"')
    text = text.replace('"127.0.0.1:9925"', f'"{LOOPBACK}:{metrics_port}"')
    text = text.replace("/var/lib/aduana/ledger.sqlite", str(workdir / "var" / "ledger.sqlite"))
    if "quarantine:" not in extra_config:
        # No system Postfix here: a test that wants the backlog names its private one.
        extra_config = extra_config.rstrip("\n") + "\nquarantine:\n  backlog_refresh_seconds: 0\n"
    text = _without_top_level_keys(text, extra_config) + "\n" + extra_config
    config.write_text(text, encoding="utf-8")
    metrics_url = f"http://{LOOPBACK}:{metrics_port}/metrics"
    process = milter_factory(
        [sys.executable, "-m", "aduana", "run", "--config", str(config)],
        f"inet:{milter_port}@{LOOPBACK}",
        metrics_url=metrics_url,
        env=env,
    )
    return RunningAduana(process, config_dir, metrics_url)


def _without_top_level_keys(text: str, extra: str) -> str:
    """Drop the top-level blocks that ``extra`` redefines (YAML forbids duplicate keys)."""
    keys = {line.split(":")[0] for line in extra.splitlines() if line and not line[0].isspace()}
    kept: list[str] = []
    skipping = False
    for line in text.splitlines():
        if line and not line[0].isspace() and not line.startswith("#"):
            skipping = line.split(":")[0] in keys
        if not skipping:
            kept.append(line)
    return "\n".join(kept)
