"""From runs to ratios against the no-op milter, targets, a text table and JSON."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from .engine_micro import STAGES, MemoryResult, ParallelResult, SetResult
from .measure import MilterUse, RunResult

BASELINE = "noop"
RSPAMD = "rspamd"


@dataclass(frozen=True)
class Spread:
    """Median of per-pair values, with their min and max."""

    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        finite = [v for v in values if not math.isnan(v)]
        if not finite:
            return cls(math.nan, math.nan, math.nan)
        return cls(statistics.median(finite), min(finite), max(finite))

    def text(self, digits: int = 2) -> str:
        if math.isnan(self.median):
            return "n/a"
        return f"{self.median:.{digits}f} [{self.low:.{digits}f} .. {self.high:.{digits}f}]"


@dataclass(frozen=True)
class SystemSummary:
    """Medians over the runs of one system for one mix."""

    system: str
    runs: int
    delivered_per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    cpu_ms_per_message: float | None
    milter_cores: float | None
    machine_busy_cores: float
    peak_rss_mb: float | None  # the highest over the runs
    sampled_rss_mb: float | None
    sampled_pss_mb: float | None
    peak_rss_by_role: dict[str, float]  # the highest over the runs, per role
    unexpected: int  # summed over the runs
    temporary: int


@dataclass(frozen=True)
class Ratios:
    """``system`` against ``baseline`` (the no-op milter unless said), pair by pair."""

    system: str
    baseline: str
    throughput: Spread
    p50: Spread
    p95: Spread
    p99: Spread
    p95_delta_ms: Spread


@dataclass(frozen=True)
class MixSummary:
    mix: str
    systems: tuple[SystemSummary, ...]
    ratios: tuple[Ratios, ...]
    against_rspamd: tuple[Ratios, ...] = ()

    def system(self, name: str) -> SystemSummary | None:
        return next((s for s in self.systems if s.system == name), None)

    def ratio(self, name: str) -> Ratios | None:
        return next((r for r in self.ratios if r.system == name), None)

    def ratio_to_rspamd(self, name: str) -> Ratios | None:
        return next((r for r in self.against_rspamd if r.system == name), None)


@dataclass(frozen=True)
class Target:
    name: str
    measured: str
    verdict: str  # PASS, FAIL or n/a


def _median(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None and not math.isnan(v)]
    return statistics.median(present) if present else None


def _max(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None


def _role_peaks(milters: Sequence[MilterUse | None]) -> dict[str, float]:
    peaks: dict[str, float] = {}
    for milter in milters:
        for role, mb in ((milter.peak_rss_by_role or {}) if milter else {}).items():
            peaks[role] = max(peaks.get(role, 0.0), mb)
    return peaks


def summarise_system(runs: Sequence[RunResult]) -> SystemSummary:
    milters = [r.milter for r in runs]
    return SystemSummary(
        system=runs[0].system,
        runs=len(runs),
        delivered_per_second=statistics.median(r.delivered_per_second for r in runs),
        p50_ms=statistics.median(r.p50_ms for r in runs),
        p95_ms=statistics.median(r.p95_ms for r in runs),
        p99_ms=statistics.median(r.p99_ms for r in runs),
        cpu_ms_per_message=_median([m.cpu_ms_per_message if m else None for m in milters]),
        milter_cores=_median([m.cores if m else None for m in milters]),
        machine_busy_cores=statistics.median(r.machine_busy_cores for r in runs),
        peak_rss_mb=_max([m.peak_rss_mb if m else None for m in milters]),
        sampled_rss_mb=_max([m.sampled_rss_mb if m else None for m in milters]),
        sampled_pss_mb=_max([m.sampled_pss_mb if m else None for m in milters]),
        peak_rss_by_role=_role_peaks(milters),
        unexpected=sum(r.unexpected for r in runs),
        temporary=sum(r.temporary for r in runs),
    )


def pair_ratios(runs: Sequence[RunResult], system: str, baseline: str = BASELINE) -> Ratios:
    by_pair: dict[int, dict[str, RunResult]] = {}
    for run in runs:
        by_pair.setdefault(run.pair, {})[run.system] = run
    pairs = [p for p in by_pair.values() if system in p and baseline in p]

    def spread(value: Callable[[RunResult, RunResult], float]) -> Spread:
        return Spread.of([value(p[system], p[baseline]) for p in pairs])

    def ratio(field: str) -> Callable[[RunResult, RunResult], float]:
        def divide(a: RunResult, b: RunResult) -> float:
            denominator = float(getattr(b, field))
            return float(getattr(a, field)) / denominator if denominator else math.nan

        return divide

    return Ratios(
        system=system,
        baseline=baseline,
        throughput=spread(ratio("delivered_per_second")),
        p50=spread(ratio("p50_ms")),
        p95=spread(ratio("p95_ms")),
        p99=spread(ratio("p99_ms")),
        p95_delta_ms=spread(lambda a, b: a.p95_ms - b.p95_ms),
    )


def summarise(runs: Sequence[RunResult]) -> list[MixSummary]:
    mixes: dict[str, list[RunResult]] = {}
    for run in runs:
        mixes.setdefault(run.mix, []).append(run)
    summaries = []
    for mix, mix_runs in mixes.items():
        systems: dict[str, list[RunResult]] = {}
        for run in mix_runs:
            systems.setdefault(run.system, []).append(run)
        against_rspamd = tuple(
            pair_ratios(mix_runs, s, RSPAMD)
            for s in systems
            if RSPAMD in systems and s.startswith("aduana")
        )
        summaries.append(
            MixSummary(
                mix,
                tuple(summarise_system(r) for r in systems.values()),
                tuple(pair_ratios(mix_runs, s) for s in systems if s != BASELINE),
                against_rspamd,
            )
        )
    return summaries


def _verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("PASS" if ok else "FAIL")


def targets(summaries: Sequence[MixSummary], concurrency: int) -> list[Target]:
    """The targets of issue 13, judged on the medians (ratios: median of pair ratios)."""
    by_mix = {s.mix: s for s in summaries}

    def cpu(mix: str, system: str = "aduana") -> float | None:
        found = by_mix[mix].system(system) if mix in by_mix else None
        return found.cpu_ms_per_message if found else None

    def ratio(mix: str, against_rspamd: bool = False) -> Ratios | None:
        if mix not in by_mix:
            return None
        summary = by_mix[mix]
        return summary.ratio_to_rspamd("aduana") if against_rspamd else summary.ratio("aduana")

    def cpu_target(mix: str, limit: float, note: str = "") -> Target:
        value = cpu(mix)
        return Target(
            f"CPU <= {limit:g} ms per message{note} ({mix})",
            f"{value:.2f} ms" if value is not None else "not run",
            _verdict(value <= limit if value is not None else None),
        )

    def throughput_target(mix: str, limit: float) -> Target:
        found = ratio(mix)
        value = found.throughput if found else None
        return Target(
            f"throughput >= {limit:g}x no-op at c={concurrency} ({mix})",
            value.text() if value else "not run",
            _verdict(value.median >= limit if value else None),
        )

    def ahead_of_rspamd(mix: str) -> Target:
        found = ratio(mix, against_rspamd=True)
        value = found.throughput if found else None
        return Target(
            f"throughput ahead of rspamd at c={concurrency} ({mix})",
            f"{value.text()} x rspamd" if value else "not run (no rspamd)",
            _verdict(value.median > 1.0 if value else None),
        )

    found: list[Target] = [cpu_target("4k", 2.0, " (full policy)"), throughput_target("4k", 0.75)]
    ratios = ratio("4k")
    delta = ratios.p95_delta_ms if ratios else None
    found.append(
        Target(
            "p95 within 10 ms of no-op (4k)",
            f"{delta.text(1)} ms" if delta else "not run",
            _verdict(delta.median <= 10.0 if delta else None),
        )
    )
    ours, theirs = cpu("4k"), cpu("4k", RSPAMD)
    found.append(
        Target(
            "CPU per message below rspamd's (4k)",
            f"{ours:.2f} vs {theirs:.2f} ms" if ours is not None and theirs is not None
            else "not run (no rspamd)",
            _verdict(ours < theirs if ours is not None and theirs is not None else None),
        )
    )  # fmt: skip
    found.append(ahead_of_rspamd("4k"))
    found += [
        cpu_target("1m", 10.0, ", workers included"),
        throughput_target("1m", 0.7),
        ahead_of_rspamd("1m"),
        cpu_target("10m", 60.0),
    ]
    big = by_mix["10m"].system("aduana") if "10m" in by_mix else None
    # The higher of the two: the summed VmHWM misses a worker replaced during the run,
    # the sampled sum can miss a short peak between samples.
    peak = _max([big.peak_rss_mb, big.sampled_rss_mb]) if big else None
    note = "" if concurrency >= 10 else f" (only {concurrency} concurrent)"
    found.append(
        Target(
            "peak RSS <= 150 MB, 10 concurrent 10 MB",
            f"{peak:.0f} MB{note}" if peak is not None else "not run",
            _verdict(peak <= 150 and concurrency >= 10 if peak is not None else None),
        )
    )
    return found


# --- text --------------------------------------------------------------------------


ROLES = ("daemon", "worker", "tracker")


def _fmt(value: float | None, digits: int = 1) -> str:
    if value is None or math.isnan(value):
        return "-"
    return f"{value:.{digits}f}"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows, strict=True)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(lines)


def _against_rspamd(ratios: Ratios | None) -> list[str]:
    if ratios is None:
        return ["-", "-"]
    return [ratios.throughput.text(), ratios.p95_delta_ms.text(1)]


def text_report(
    summaries: Sequence[MixSummary],
    found: Sequence[Target],
    engine: Sequence[SetResult] = (),
    parallel: Sequence[ParallelResult] = (),
    memory: Sequence[MemoryResult] = (),
) -> str:
    absolute = [
        [
            m.mix, s.system, str(s.runs), _fmt(s.delivered_per_second), _fmt(s.p50_ms),
            _fmt(s.p95_ms), _fmt(s.p99_ms), _fmt(s.cpu_ms_per_message, 2), _fmt(s.milter_cores, 2),
            _fmt(s.machine_busy_cores, 2), _fmt(s.peak_rss_mb, 0), _fmt(s.sampled_rss_mb, 0),
            _fmt(s.sampled_pss_mb, 0), f"{s.unexpected}/{s.temporary}",
        ]
        for m in summaries
        for s in m.systems
    ]  # fmt: skip
    parts = [
        "Medians over runs (latency: MAIL FROM to final reply, in the client)",
        _table(
            [
                "mix", "system", "runs", "deliv/s", "p50 ms", "p95 ms", "p99 ms", "cpu ms/msg",
                "milter cores", "machine cores", "peak RSS MB", "sampled RSS MB",
                "sampled PSS MB", "unexpected/4xx",
            ],
            absolute,
        ),
        "",
        "Against the no-op milter, and aduana against rspamd: median of pair ratios"
        " [min-max over pairs]",
        _table(
            [
                "mix", "system", "throughput", "p50", "p95", "p99", "p95 - noop p95 (ms)",
                "throughput vs rspamd", "p95 - rspamd p95 (ms)",
            ],
            [
                [
                    m.mix, r.system, r.throughput.text(), r.p50.text(), r.p95.text(),
                    r.p99.text(), r.p95_delta_ms.text(1),
                    *_against_rspamd(m.ratio_to_rspamd(r.system)),
                ]
                for m in summaries
                for r in m.ratios
            ],
        ),
        "",
        "Peak RSS by process, MB (VmHWM, highest over runs; worker: the largest one)",
        _table(
            ["mix", "system", "daemon", "worker", "tracker"],
            [
                [m.mix, s.system] + [_fmt(s.peak_rss_by_role.get(r), 0) for r in ROLES]
                for m in summaries
                for s in m.systems
                if s.peak_rss_by_role
            ],
        ),
        "",
        "Targets",
        _table(["target", "measured", "verdict"], [[t.name, t.measured, t.verdict] for t in found]),
    ]  # fmt: skip
    if engine:
        parts += [
            "",
            "Engine alone, in process (mean ms per message by stage)",
            _table(
                ["set", "messages", "explain msg/s", *STAGES],
                [
                    [e.name, str(e.messages), _fmt(e.explain_per_second)]
                    + [_fmt(e.stage_ms[s], 2) for s in STAGES]
                    for e in engine
                ],
            ),
        ]
    if parallel:
        parts += [
            "",
            "Inspection + text extraction: threads (as libmilter) vs a process pool, msg/s",
            _table(
                ["mix", "messages", "serial", "threads", "processes", "gain"],
                [
                    [
                        p.mix, str(p.messages), _fmt(p.serial_per_second, 2),
                        f"{_fmt(p.threads_per_second, 2)} ({p.threads})",
                        f"{_fmt(p.processes_per_second, 2)} ({p.processes})",
                        f"{p.process_gain:.2f}x",
                    ]
                    for p in parallel
                ],
            ),
        ]  # fmt: skip
    if memory:
        parts += [
            "",
            "Peak Python allocations (tracemalloc) for one message, MB",
            _table(
                ["mix", "message MB", *memory[0].peak_mb],
                [
                    [m.mix, _fmt(m.message_mb, 2)] + [_fmt(v, 1) for v in m.peak_mb.values()]
                    for m in memory
                ],
            ),
        ]
    return "\n".join(parts)


def as_json(
    context: dict[str, Any],
    runs: Sequence[RunResult],
    summaries: Sequence[MixSummary],
    found: Sequence[Target],
    engine: Sequence[SetResult],
    parallel: Sequence[ParallelResult],
    memory: Sequence[MemoryResult],
) -> dict[str, Any]:
    return {
        "context": context,
        "targets": [asdict(t) for t in found],
        "summary": [asdict(s) for s in summaries],
        "runs": [asdict(r) for r in runs],
        "engine": [asdict(e) for e in engine],
        "parallel_inspection": [{**asdict(p), "process_gain": p.process_gain} for p in parallel],
        "memory_by_stage": [asdict(m) for m in memory],
    }
