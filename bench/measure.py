"""One measured run: a mix through one system, with the milter's CPU and memory."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Sequence
from dataclasses import dataclass

from .load import Endpoint, LoadResult, drive
from .messages import Mix, Template, recipient_for
from .procstat import (
    MachineTimes,
    RssSampler,
    family_cpu_seconds,
    load_average,
    process_tree,
    reset_peak_rss,
    role_of,
    status_kib,
    tree_status_kib,
)
from .sink import CountingSink, TagCount
from .stack import System

DELIVERY_TIMEOUT = 120.0
KIB = 1024
MB = 1000 * 1000


@dataclass(frozen=True)
class RunSpec:
    tag: str  # unique per run: the sink counts deliveries by it
    pair: int
    count: int
    concurrency: int


@dataclass(frozen=True)
class MilterUse:
    cpu_ms_per_message: float  # the milter and its children (a pool's workers), if any
    cores: float  # milter CPU seconds per wall second while the clients ran
    peak_rss_mb: float | None  # VmHWM (10**6 bytes), reset before the run; None: no reset
    sampled_rss_mb: float  # the highest VmRSS sampled every 100 ms
    sampled_pss_mb: float  # the highest PSS sampled every 100 ms
    peak_rss_by_role: dict[str, float] | None  # VmHWM MB: daemon, worker (the largest), tracker


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (share in 0..1); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(math.ceil(share * len(ordered)), 1)
    return ordered[rank - 1]


@dataclass(frozen=True)
class RunResult:
    mix: str
    system: str
    pair: int
    sent: int
    accepted: int
    refused: int
    temporary: int
    unexpected: int  # outcomes that differ from what the system should answer
    codes: dict[str, int]  # final reply codes seen ("0": connection dropped)
    delivered: int
    seconds: float  # first MAIL of the run to the last delivery at the sink
    delivered_per_second: float
    transactions_per_second: float  # final replies per second, as the clients saw them
    p50_ms: float
    p95_ms: float
    p99_ms: float
    milter: MilterUse | None  # None for Postfix without a milter
    machine_busy_cores: float  # all processes, both cores: 2.0 is a saturated machine
    load1: float


def _expected_code_ok(system: str, refused_kind: bool, code: int) -> bool:
    if system == "aduana" and refused_kind:
        return 500 <= code < 600
    return code == 250


def measure(sink: CountingSink, system: System, mix: Mix, run: RunSpec) -> RunResult:
    """Send ``run.count`` messages of ``mix`` through ``system`` and measure."""
    endpoint = Endpoint(system.postfix.host, system.postfix.port)
    recipient = recipient_for(run.tag)

    def job(index: int) -> tuple[Template, str, bytes]:
        template = mix.template(index)
        return template, recipient, template.render(index, recipient)

    pid = system.milter_pid
    tree = process_tree(pid) if pid is not None else []  # the milter and its pool, if any
    hwm_reset = bool(tree) and all(reset_peak_rss(p) for p in tree)
    cpu_before = family_cpu_seconds(pid) if pid is not None else 0.0
    machine_before = MachineTimes.now()
    with RssSampler(pid) as sampler:
        result = drive(endpoint, run.count, run.concurrency, job)
    busy = MachineTimes.now().busy_cores_since(machine_before)
    accepted = sum(o.accepted for o in result.outcomes)
    got = sink.wait_for(run.tag, accepted, DELIVERY_TIMEOUT)
    sink.forget(run.tag)

    wall = result.finished - result.started
    milter = None
    if pid is not None:
        cpu = family_cpu_seconds(pid) - cpu_before
        tree = process_tree(pid)  # the workers now: some may have replaced others
        milter = MilterUse(
            cpu_ms_per_message=cpu * 1000 / run.count,
            cores=cpu / wall,
            peak_rss_mb=tree_status_kib(tree, "VmHWM") * KIB / MB if hwm_reset else None,
            sampled_rss_mb=sampler.max_kib * KIB / MB,
            sampled_pss_mb=sampler.max_pss_kib * KIB / MB,
            peak_rss_by_role=_peaks_by_role(tree, pid) if hwm_reset else None,
        )
    return _result(mix.name, system.name, run, result, got, milter, busy)


def _peaks_by_role(tree: list[int], root: int) -> dict[str, float]:
    peaks: dict[str, float] = {}
    for pid in tree:
        role = role_of(pid, root)
        with contextlib.suppress(FileNotFoundError, KeyError):
            peak = status_kib(pid, "VmHWM") * KIB / MB
            peaks[role] = max(peaks.get(role, 0.0), peak)
    return peaks


def _result(
    mix: str,
    system: str,
    run: RunSpec,
    result: LoadResult,
    got: TagCount | None,
    milter: MilterUse | None,
    busy: float,
) -> RunResult:
    outcomes = result.outcomes
    wall = result.finished - result.started
    delivered = got.count if got is not None else 0
    seconds = (got.last if got is not None else result.finished) - result.started
    latencies = [o.latency for o in outcomes if o.code != 0]
    return RunResult(
        mix=mix,
        system=system,
        pair=run.pair,
        sent=run.count,
        accepted=sum(o.accepted for o in outcomes),
        refused=sum(o.refused for o in outcomes),
        temporary=sum(o.temporary for o in outcomes),
        unexpected=sum(not _expected_code_ok(system, o.expected_refusal, o.code) for o in outcomes),
        codes={
            str(c): sum(o.code == c for o in outcomes) for c in sorted({o.code for o in outcomes})
        },
        delivered=delivered,
        seconds=seconds,
        delivered_per_second=delivered / seconds if seconds > 0 else 0.0,
        transactions_per_second=len(outcomes) / wall if wall > 0 else 0.0,
        p50_ms=percentile(latencies, 0.50) * 1000,
        p95_ms=percentile(latencies, 0.95) * 1000,
        p99_ms=percentile(latencies, 0.99) * 1000,
        milter=milter,
        machine_busy_cores=busy,
        load1=load_average()[0],
    )
