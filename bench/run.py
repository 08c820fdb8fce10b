"""``python -m bench.run``: aduana against Postfix alone, a no-op milter and rspamd.

Runs every mix through the systems interleaved (none noop rspamd aduana, then
aduana rspamd noop none, ...) so that drifting machine load hits all alike, then
the in-process engine micro-benchmark. Prints a text table; ``--json`` writes
everything, run by run. Must run as root (Postfix insists). See docs/performance.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .engine_micro import (
    MemoryResult,
    ParallelResult,
    SetResult,
    corpus_submissions,
    engine_runtime,
    measure_set,
    memory_by_stage,
    mix_set,
    parallel_inspection,
)
from .measure import RunResult, RunSpec, measure
from .messages import MIX_NAMES, Mix, build_mix
from .procstat import load_average, wait_quiet
from .report import as_json, summarise, targets, text_report
from .stack import Stack, running_stack

MESSAGES = {"4k": 400, "1m": 100, "10m": 20, "mixed": 400}
WARM_UP = 2  # messages per system before each mix's measured runs
QUICK_MESSAGES = {"4k": 40, "1m": 10, "10m": 10, "mixed": 40}


@dataclass(frozen=True)
class Options:
    pairs: int
    messages: dict[str, int]
    concurrency: int
    mixes: tuple[str, ...]
    engine: bool
    engine_budget: float
    full_engine: bool  # False: corpus and 4k only; no 1m, threads/processes, memory
    json_path: Path | None
    keep: bool
    quiet_load: float | None
    clamd: bool = False
    rspamd: bool = True


def parse_options(argv: Sequence[str]) -> Options:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--pairs", type=int, help="interleaved pairs per mix (default 6)")
    parser.add_argument("--messages", type=int, help="messages per run, for every mix")
    parser.add_argument("--concurrency", type=int, default=10, help="SMTP clients (default 10)")
    parser.add_argument(
        "--mixes", default=",".join(MIX_NAMES), help=f"comma-separated, of {','.join(MIX_NAMES)}"
    )
    parser.add_argument("--quick", action="store_true", help="2 pairs, few messages (< 2 min)")
    parser.add_argument("--no-engine", action="store_true", help="skip the engine micro-benchmark")
    parser.add_argument("--engine-only", action="store_true", help="only the micro-benchmark")
    parser.add_argument("--json", type=Path, help="write all results to this file")
    parser.add_argument("--keep", action="store_true", help="keep the work directory and logs")
    parser.add_argument(
        "--clamd", action="store_true", help="add aduana+clamd (a private clamd, test signatures)"
    )
    parser.add_argument(
        "--no-rspamd", action="store_true", help="leave out rspamd (Debian's, milter mode)"
    )
    parser.add_argument(
        "--quiet-load",
        type=float,
        help="before each mix, wait (up to 10 min) until the 1-minute load is below this",
    )
    args = parser.parse_args(argv)
    mixes = tuple(m.strip() for m in args.mixes.split(",") if m.strip())
    unknown = [m for m in mixes if m not in MIX_NAMES]
    if unknown:
        parser.error(f"unknown mix {', '.join(unknown)}; choose from {', '.join(MIX_NAMES)}")
    counts = dict(QUICK_MESSAGES if args.quick else MESSAGES)
    if args.messages is not None:
        counts = dict.fromkeys(counts, args.messages)
    pairs = args.pairs if args.pairs is not None else (2 if args.quick else 6)
    return Options(
        pairs=pairs,
        messages=counts,
        concurrency=args.concurrency,
        mixes=() if args.engine_only else mixes,
        engine=not args.no_engine,
        engine_budget=1.0 if args.quick else 6.0,
        full_engine=not args.quick,
        json_path=args.json,
        keep=args.keep,
        quiet_load=args.quiet_load,
        clamd=args.clamd,
        rspamd=not args.no_rspamd,
    )


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def machine() -> dict[str, Any]:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    postfix = subprocess.run(
        ["/usr/sbin/postconf", "-h", "mail_version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "postfix": postfix,
    }


def run_mix(stack: Stack, mix: Mix, options: Options) -> list[RunResult]:
    count = options.messages[mix.name]
    results: list[RunResult] = []
    for name in stack.names:  # warm-up, not measured: connections, caches, lazy imports
        spec = RunSpec(f"{mix.name}-warm-{name}", -1, WARM_UP, options.concurrency)
        measure(stack.sink, stack.systems[name], mix, spec)
    for pair in range(options.pairs):
        order = stack.names if pair % 2 == 0 else tuple(reversed(stack.names))
        for name in order:
            spec = RunSpec(f"{mix.name}-{pair}-{name}", pair, count, options.concurrency)
            result = measure(stack.sink, stack.systems[name], mix, spec)
            results.append(result)
            cpu = result.milter.cpu_ms_per_message if result.milter else None
            log(
                f"  {mix.name:6} pair {pair} {name:7} {result.delivered_per_second:8.1f} msg/s"
                f"  p95 {result.p95_ms:8.1f} ms"
                + (f"  cpu {cpu:7.2f} ms/msg" if cpu is not None else "")
                + (f"  UNEXPECTED {result.unexpected} {result.codes}" if result.unexpected else "")
                + f"  load {result.load1:.2f}"
            )
    return results


@dataclass(frozen=True)
class EngineResults:
    sets: list[SetResult]
    parallel: list[ParallelResult]
    memory: list[MemoryResult]


def run_engine(options: Options) -> EngineResults:
    runtime = engine_runtime()
    budget = options.engine_budget
    sets = [measure_set(runtime, "corpus", corpus_submissions(), budget)]
    log(f"  engine corpus: {sets[-1].explain_per_second:.1f} msg/s")
    for name in ("4k", "1m")[: 2 if options.full_engine else 1]:
        sets.append(measure_set(runtime, name, mix_set(name), budget))
        log(f"  engine {name}: {sets[-1].explain_per_second:.1f} msg/s")
    parallel = []
    if options.full_engine:
        for name, count in (("1m", 20), ("10m", 10)):
            parallel.append(parallel_inspection(runtime, build_mix(name), count))
            log(f"  parallel {name}: gain {parallel[-1].process_gain:.2f}x")
    memory = [
        memory_by_stage(runtime, build_mix(name))
        for name in (("1m", "10m") if options.full_engine else ())
    ]
    return EngineResults(sets, parallel, memory)


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_options(sys.argv[1:] if argv is None else argv)
    if options.mixes and os.geteuid() != 0:
        log("bench.run starts private Postfix instances, which must be started as root")
        return 2
    started = time.monotonic()
    context: dict[str, Any] = {
        "machine": machine(),
        "load_at_start": load_average(),
        "pairs": options.pairs,
        "messages": options.messages,
        "concurrency": options.concurrency,
        "mixes": options.mixes,
    }
    log(f"bench: {context['machine']}  load {context['load_at_start']}")
    runs: list[RunResult] = []
    if options.mixes:
        with running_stack(keep=options.keep, clamd=options.clamd, rspamd=options.rspamd) as stack:
            if options.keep:
                log(f"  work directory: {stack.workdir}")
            for name in options.mixes:
                if options.quiet_load is not None:
                    load = wait_quiet(options.quiet_load, timeout=600)
                    log(f"  load before {name}: {load:.2f}")
                mix = build_mix(name)
                runs += run_mix(stack, mix, options)
    engine = run_engine(options) if options.engine else EngineResults([], [], [])
    context["load_at_end"] = load_average()
    context["seconds"] = round(time.monotonic() - started, 1)
    summaries = summarise(runs)
    found = targets(summaries, options.concurrency)
    print(text_report(summaries, found, engine.sets, engine.parallel, engine.memory))
    print(f"\n{context['machine']['date']}  nproc {context['machine']['nproc']}  "
          f"{context['machine']['cpu_model']}  load at start {context['load_at_start']}, "
          f"at end {context['load_at_end']}  ({context['seconds']} s)")  # fmt: skip
    if options.json_path is not None:
        document = as_json(
            context, runs, summaries, found, engine.sets, engine.parallel, engine.memory
        )
        options.json_path.write_text(json.dumps(document, indent=2, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
