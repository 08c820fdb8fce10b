"""A private rspamd in milter mode, for comparison: Debian's package, local rules only.

rspamd runs from Debian's stock configuration (``/etc/rspamd``) with every
local override in a private directory (``--var LOCAL_CONFDIR=...``):

- one ``rspamd_proxy`` worker in milter mode (``milter = yes``) that scans
  itself (``self_scan = yes``), on a free loopback port; the normal, controller
  and fuzzy workers are off, so nothing else listens;
- no Redis is configured, so the modules that need it (Bayes, ratelimit,
  greylisting, neural, reputation, replies, history) disable themselves;
- the modules that ask the network (DNS blocklists, SPF, DKIM, DMARC, ARC, ASN,
  hfilter, fuzzy check, updates, URL redirector, ...) are disabled, and the
  resolver points at 127.0.0.1 so nothing leaves the machine;
- logs, database and pid file live in the private directory.

What remains are rspamd's local content rules (regexp, MIME types, header and
body heuristics, multimap, composites): its per-message floor, the number
issue 13 asks aduana to beat.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.e2e.harness import LOOPBACK, MilterFactory, MilterProcess, free_port

RSPAMD = "rspamd"
APT_PACKAGE = "rspamd"
STOCK_CONFIG = Path("/etc/rspamd/rspamd.conf")

# Modules that make DNS or HTTP queries, or talk to rspamd.com.
NETWORK_MODULES = (
    "rbl",
    "surbl",
    "emails",
    "spf",
    "dkim",
    "dmarc",
    "arc",
    "asn",
    "hfilter",
    "fuzzy_check",
    "rspamd_update",
    "url_redirector",
    "mx_check",
    "phishing",
    "dkim_signing",
    "arc_signing",
    "whitelist",
    "maillist",
    "external_services",
    "metadata_exporter",
    "clickhouse",
    "elastic",
    "bimi",
    "known_senders",
    "multimap",  # its stock rules are all maps fetched from maps.rspamd.com
)


def rspamd_available() -> bool:
    return shutil.which(RSPAMD) is not None and STOCK_CONFIG.exists()


def ensure_rspamd() -> None:
    """Install Debian's rspamd if it is missing (the bench's own install step)."""
    if rspamd_available():
        return
    subprocess.run(
        ["apt-get", "install", "-y", "--no-install-recommends", APT_PACKAGE],
        check=True,
        env={"DEBIAN_FRONTEND": "noninteractive", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
        stdout=subprocess.DEVNULL,
    )
    if not rspamd_available():
        raise RuntimeError("rspamd is missing after apt-get install rspamd")


def write_config(directory: Path, port: int) -> None:
    """The private overrides: one milter proxy on ``port``, no network modules."""
    local = directory / "local.d"
    override = directory / "override.d"
    for folder in (local, override, directory / "db", directory / "run", directory / "log"):
        folder.mkdir(parents=True, exist_ok=True)
    (override / "worker-proxy.inc").write_text(
        f'bind_socket = "{LOOPBACK}:{port}";\n'
        "milter = yes;\n"
        "timeout = 120s;\n"
        "count = 1;\n"
        'upstream "local" {\n  default = yes;\n  self_scan = yes;\n}\n'
    )
    for worker in ("normal", "controller"):
        (override / f"worker-{worker}.inc").write_text(
            f'bind_socket = "{LOOPBACK}:{free_port()}";\ncount = 0;\nenabled = false;\n'
        )
    (override / "logging.inc").write_text(
        f'type = "file";\nfilename = "{directory / "log" / "rspamd.log"}";\nlevel = "error";\n'
    )
    (override / "options.inc").write_text(
        f'pidfile = "{directory / "run" / "rspamd.pid"}";\n'
        'dns {\n  nameserver = ["127.0.0.1"];\n  timeout = 0.1s;\n  retransmits = 0;\n}\n'
        'local_addrs = ["127.0.0.0/8", "::1"];\n'
    )
    (local / "redis.conf").write_text("enabled = false;\n")
    # One header with rspamd's verdict and symbols: shows the message was scanned.
    (override / "milter_headers.conf").write_text(
        'use = ["x-spamd-result"];\nskip_local = false;\nskip_authenticated = false;\n'
    )
    for module in NETWORK_MODULES:
        (local / f"{module}.conf").write_text("enabled = false;\n")


def rspamd_argv(directory: Path) -> list[str]:
    return [
        RSPAMD,
        "--no-fork",
        "--insecure",  # the bench runs as root; rspamd refuses that otherwise
        "--config",
        str(STOCK_CONFIG),
        "--var",
        f"LOCAL_CONFDIR={directory}",
        "--var",
        f"DBDIR={directory / 'db'}",
        "--var",
        f"RUNDIR={directory / 'run'}",
        "--var",
        f"LOGDIR={directory / 'log'}",
    ]


def start_rspamd(milters: MilterFactory, directory: Path) -> MilterProcess:
    """rspamd's milter proxy on a free loopback port, started and listening.

    It listens only once its Hyperscan databases are compiled: ~40 s on this
    machine (9,628 TLD suffixes), hence the long start timeout."""
    ensure_rspamd()
    port = free_port()
    write_config(directory, port)
    return milters(rspamd_argv(directory), f"inet:{port}@{LOOPBACK}", start_timeout=300.0)
