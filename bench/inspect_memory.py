"""Peak memory and CPU of inspecting one message, in a fresh process.

    python -m bench.inspect_memory                  # the 10m mix's first message
    python -m bench.inspect_memory --mix 1m --json
    PYTHONPATH=/other/checkout/milter:. python -m bench.inspect_memory   # the other code

One child process builds the message into a temporary file (building a mix costs
far more memory than inspecting it), a second reads it, inspects it once
(``ru_maxrss`` before and after) and once more under ``tracemalloc``. Linux carries
``ru_maxrss`` over fork and exec, so neither child is started from a large process.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import aduana
from aduana.inspect import inspect_bytes

from .engine_micro import mix_submissions
from .messages import build_mix


def measure(path: Path) -> dict[str, object]:
    message = path.read_bytes()
    inspect_bytes(b"From: a@b\r\n\r\nhola\r\n")  # imports and the libmagic handle
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.process_time()
    inspect_bytes(message)
    cpu = time.process_time() - started
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    inspect_bytes(message)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "aduana": aduana.__file__,
        "message_bytes": len(message),
        "maxrss_before_mb": round(before / 1024, 1),
        "maxrss_growth_mb": round((after - before) / 1024, 1),
        "tracemalloc_peak_mb": round(peak / 2**20, 1),
        "cpu_ms": round(cpu * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mix", default="10m")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--build", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build is not None:
        args.build.write_bytes(mix_submissions(build_mix(args.mix), 1)[0].message)
        return
    if args.file is not None:
        print(json.dumps(measure(args.file)))
        return
    me = [sys.executable, "-m", "bench.inspect_memory"]
    with tempfile.TemporaryDirectory() as work:
        path = str(Path(work) / "message.eml")
        subprocess.run([*me, "--mix", args.mix, "--build", path], check=True)
        done = subprocess.run([*me, "--file", path], check=True, capture_output=True, text=True)
        line = done.stdout
    if args.json:
        print(line.strip())
        return
    for key, value in json.loads(line).items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
