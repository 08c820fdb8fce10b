"""Instructions per message, counted by valgrind (callgrind): deterministic A/B on a busy machine.

CPU time moves with whatever else runs on the cores; an instruction count does not.
This runs a set of the benchmark's messages under ``valgrind --tool=callgrind``
with instrumentation off until the set is built and processed once (warm caches,
lazy tables), then switched on by ``callgrind_control`` for ``--rounds`` rounds,
and divides the count by the number of messages processed. Two paths:

- ``engine`` (default): ``engine_micro.replay``, the engine's stages;
- ``session``: the whole milter session in process (``bench.session_replay``):
  the engine plus the callbacks, audit line, metrics and ledger records, without
  libmilter and pymilter's C glue.

Slow (valgrind runs Python ~50x slower), so use few rounds:

    python -m bench.instructions --sets 4k,1m --rounds 1
    python -m bench.instructions --path session --sets 4k
    PYTHONPATH=/other/checkout/milter:. python -m bench.instructions   # the other code

The count covers everything the process does, libmagic and the other C
libraries included.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import subprocess
import sys
import tempfile
import time

from .engine_micro import SET_SIZES

_TOTAL = re.compile(rb"summary:\s+(\d+)")


def _instrument() -> None:
    gc.freeze()  # as the daemon does once started (aduana.app.run)
    subprocess.run(["callgrind_control", "--instr=on", str(os.getpid())], check=True,
                   capture_output=True)  # fmt: skip


def process_rounds(path: str, set_name: str, rounds: int) -> None:
    """The measured program: build, process the set once, then ``rounds`` more times."""
    from prometheus_client import CollectorRegistry

    from aduana.observability.metrics import Metrics

    from .engine_micro import engine_runtime, mix_set, replay
    from .session_replay import feed, session_services

    submissions = mix_set(set_name)
    if path == "session":
        with session_services() as services:
            for number, submission in enumerate(submissions):
                feed(services, submission, number)
            _instrument()
            for _ in range(rounds):
                for number, submission in enumerate(submissions):
                    feed(services, submission, number)
        return
    runtime = engine_runtime()
    metrics = Metrics.create(CollectorRegistry())
    now = time.time()
    for submission in submissions:
        replay(runtime, submission, now, metrics)
    _instrument()
    for _ in range(rounds):
        for submission in submissions:
            replay(runtime, submission, now, metrics)


def count(path: str, set_name: str, rounds: int) -> int:
    with tempfile.TemporaryDirectory() as work:
        out = os.path.join(work, "callgrind.out")
        subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--instr-atstart=no",
                f"--callgrind-out-file={out}",
                sys.executable,
                "-m",
                "bench.instructions",
                "--child",
                path,
                set_name,
                str(rounds),
            ],
            check=True,
            capture_output=True,
        )
        with open(out, "rb") as f:
            found = _TOTAL.search(f.read())
        if found is None:
            raise RuntimeError("callgrind wrote no summary")
        return int(found.group(1))


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        process_rounds(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", choices=("engine", "session"), default="engine")
    parser.add_argument("--sets", default="4k")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results: dict[str, float] = {}
    for name in args.sets.split(","):
        results[name] = count(args.path, name, args.rounds) / (args.rounds * SET_SIZES[name])
    if args.json:
        print(json.dumps({"path": args.path, "instructions_per_message": results}))
        return
    for name, per_message in results.items():
        print(f"{args.path} {name}: {per_message / 1e6:.2f} M instructions per message")


if __name__ == "__main__":
    main()
