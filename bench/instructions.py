"""Instructions per message, counted by valgrind (callgrind): deterministic A/B on a busy machine.

CPU time moves with whatever else runs on the cores; an instruction count does not.
This runs the engine replay (``engine_micro.replay``) under ``valgrind --tool=callgrind``
with instrumentation off until the set is built and replayed once (warm caches, lazy
tables), then switched on by ``callgrind_control`` for ``--rounds`` replays, and
divides the count by the number of messages replayed. Slow (valgrind runs Python
~50x slower), so use few rounds:

    python -m bench.instructions --sets 4k --rounds 2
    PYTHONPATH=/other/checkout/milter:. python -m bench.instructions   # the other code

The count covers everything the replay does, libmagic and the other C libraries
included, but not the milter protocol (see bench.run for that).
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

_TOTAL = re.compile(rb"summary:\s+(\d+)")


def replay_rounds(set_name: str, rounds: int) -> None:
    """The measured program: build, warm up, then ``rounds`` replays of the set."""
    from prometheus_client import CollectorRegistry

    from aduana.observability.metrics import Metrics

    from .engine_micro import engine_runtime, mix_submissions, replay
    from .messages import build_mix

    counts = {"4k": 32, "1m": 8, "10m": 3}
    runtime = engine_runtime()
    metrics = Metrics.create(CollectorRegistry())
    submissions = mix_submissions(build_mix(set_name), counts[set_name])
    now = time.time()
    for submission in submissions:
        replay(runtime, submission, now, metrics)
    gc.freeze()  # as the daemon does once started (aduana.app.run)
    subprocess.run(["callgrind_control", "--instr=on", str(os.getpid())], check=True,
                   capture_output=True)  # fmt: skip
    for _ in range(rounds):
        for submission in submissions:
            replay(runtime, submission, now, metrics)


def count(set_name: str, rounds: int) -> int:
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
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        replay_rounds(sys.argv[2], int(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="4k")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    messages = {"4k": 32, "1m": 8, "10m": 3}
    results: dict[str, float] = {}
    for name in args.sets.split(","):
        results[name] = count(name, args.rounds) / (args.rounds * messages[name])
    if args.json:
        print(json.dumps({"instructions_per_message": results}))
        return
    for name, per_message in results.items():
        print(f"{name}: {per_message / 1e6:.2f} M instructions per message")


if __name__ == "__main__":
    main()
