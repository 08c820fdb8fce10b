"""CPU time per stage, in process: for A/B measurements on a busy machine.

``engine_micro`` times stages with a wall clock, which other processes on the
same cores inflate. This replays the same stages (``engine_micro.replay``) with
``time.process_time`` as the stopwatch, which counts only this process's CPU,
and reports the median over ``--rounds`` rounds of the mean per message.

    python -m bench.stage_cpu --rounds 15            # 4k, 1m and the corpus
    python -m bench.stage_cpu --sets 1m,10m          # the 1 MB PDF and 10 MB zip mixes
    PYTHONPATH=/other/checkout/milter python -m bench.stage_cpu   # the other code

For an A/B comparison, run both in turn a few times (interleaved) and compare
the medians; ``--json`` prints one line per run for scripts.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from functools import partial

from prometheus_client import CollectorRegistry

import aduana
from aduana.commands.explain import Submission
from aduana.observability.metrics import Metrics

from . import engine_micro
from .engine_micro import SET_SIZES, STAGES, corpus_submissions, engine_runtime, mix_set, replay


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--sets", default="4k,1m,corpus")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    runtime = engine_runtime()
    metrics = Metrics.create(CollectorRegistry())
    sets: dict[str, Callable[[], list[Submission]]] = {
        **{name: partial(mix_set, name) for name in SET_SIZES},
        "corpus": corpus_submissions,
    }
    engine_micro.time.perf_counter = time.process_time  # type: ignore[attr-defined]
    now = time.time()
    results: dict[str, dict[str, float]] = {}
    for name in args.sets.split(","):
        submissions = sets[name]()
        for submission in submissions:  # warm caches, imports and lazy handles
            replay(runtime, submission, now, metrics)
        per_round: list[dict[str, float]] = []
        for _ in range(args.rounds):
            totals = dict.fromkeys(STAGES, 0.0)
            for submission in submissions:
                for stage, spent in replay(runtime, submission, now, metrics).seconds.items():
                    totals[stage] += spent
            per_round.append({s: v * 1000 / len(submissions) for s, v in totals.items()})
        median = {s: statistics.median(r[s] for r in per_round) for s in STAGES}
        median["total"] = statistics.median(sum(r.values()) for r in per_round)
        results[name] = median
    if args.json:
        print(json.dumps({"aduana": aduana.__file__, "ms": results}))
        return
    print(f"code: {aduana.__file__}; CPU ms per message, median of {args.rounds} rounds")
    print("set     " + "".join(f"{s:>10}" for s in (*STAGES, "total")))
    for name, ms in results.items():
        print(f"{name:<8}" + "".join(f"{ms[s]:>10.3f}" for s in (*STAGES, "total")))


if __name__ == "__main__":
    main()
