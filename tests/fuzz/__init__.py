"""Fuzzing aduana's hostile inputs: config files and whole messages.

The ``test_*.py`` modules are hypothesis properties that pytest runs with a
modest example count; ``ADUANA_FUZZ_EXAMPLES`` raises it. The ``atheris_*.py``
harnesses are for long coverage-guided runs by hand and are not collected by
pytest. docs/fuzzing.md says how to run both for longer.
"""

from __future__ import annotations

import os
from datetime import timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("ADUANA_FUZZ_EXAMPLES", "50"))

# Generous deadlines: they catch hangs, not slowness on a busy 2-core machine.
CONFIG_DEADLINE = timedelta(seconds=5)
MESSAGE_DEADLINE = timedelta(seconds=15)


def profile(deadline: timedelta) -> settings:
    return settings(
        max_examples=EXAMPLES,
        deadline=deadline,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


@st.composite
def mutated_bytes(draw: st.DrawFn, seeds: list[bytes], max_edits: int = 8) -> bytes:
    """A seed with a few bytes flipped, runs cut, or random bytes spliced in."""
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(0, max_edits))):
        if not data:
            break
        position = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(["flip", "cut", "insert", "repeat"]))
        if action == "flip":
            data[position] = draw(st.integers(0, 255))
        elif action == "cut":
            del data[position : position + draw(st.integers(1, 256))]
        elif action == "insert":
            data[position:position] = draw(st.binary(max_size=64))
        else:
            chunk = data[position : position + draw(st.integers(1, 64))]
            data[position:position] = chunk * draw(st.integers(1, 16))
    return bytes(data)
