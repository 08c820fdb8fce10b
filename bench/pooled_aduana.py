"""Prototype, for measurement only: ``aduana run`` with inspection in a process pool.

Usage: python -m bench.pooled_aduana run --config FILE   (same arguments as aduana)

pymilter runs one thread per SMTP connection under one GIL, so ten messages
being inspected at once share one core. This launcher replaces the end-of-
message checkpoint the adapter calls with one that sends the heavy, pure part
(``inspect_message`` + ``message_text``) to a pool of one process per core, and
reuses the body text it returns for the one-to-one fingerprint instead of
parsing the message a second time (``body_text``). Everything else (counters,
fingerprint, the engine, replies) stays in the daemon, unchanged.

It patches ``aduana.adapter.session.at_end_of_message`` at start-up: fine for a
benchmark, not for production. The proposal for milter/ is in docs/performance.md.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime

import aduana.adapter.session
from aduana.activity import ActivityCounter
from aduana.checkpoint import inspection_limits, needs_text
from aduana.cli import main as aduana_main
from aduana.facts import TransactionFacts
from aduana.inspect import InspectionLimits, MessageInspection, inspect_message
from aduana.message_text import MessageText, body_text, message_text
from aduana.policy.engine import decide
from aduana.runtime import Runtime
from aduana.transaction import TransactionBuilder
from aduana.verdict import Verdict

CheckPoint = Callable[
    [Runtime, TransactionBuilder, ActivityCounter, str | None, float],
    tuple[TransactionFacts, Verdict],
]


def inspect_in_worker(
    data: bytes, limits: InspectionLimits, with_text: bool
) -> tuple[MessageInspection, MessageText | None]:
    """Runs in a pool process: the CPU-heavy, pure part of end of message."""
    source = io.BytesIO(data)
    inspection = inspect_message(source, limits)
    text = message_text(source) if with_text else None
    return inspection, text


def pooled_checkpoint(pool: ProcessPoolExecutor) -> CheckPoint:
    def at_end_of_message(
        runtime: Runtime,
        builder: TransactionBuilder,
        activity: ActivityCounter,
        queue_id: str | None,
        now: float,
    ) -> tuple[TransactionFacts, Verdict]:
        facts = builder.message_facts(queue_id, datetime.fromtimestamp(now, UTC))
        body: str | None = None
        if facts.content is not None:
            builder.message.seek(0)
            data = builder.message.read()
            job = pool.submit(
                inspect_in_worker,
                data,
                inspection_limits(runtime.settings),
                needs_text(runtime.settings, facts),
            )
            inspection, text = job.result()
            body = text.body if text is not None else None
            facts = replace(facts, content=replace(facts.content, inspection=inspection, text=text))
        known_body = body

        def sender_text() -> str:
            return known_body if known_body is not None else body_text(builder.message)

        sender_activity = activity.gather(runtime.settings, facts, sender_text, now)
        facts = replace(facts, activity=sender_activity)
        return facts, decide(runtime.settings, facts)

    return at_end_of_message


def main(argv: list[str]) -> int:
    # forkserver: the pool must not fork a process that already runs libmilter threads.
    context = multiprocessing.get_context("forkserver")
    workers = os.cpu_count() or 1
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        list(pool.map(abs, range(workers)))  # start the workers before libmilter's threads
        aduana.adapter.session.at_end_of_message = pooled_checkpoint(pool)  # type: ignore[attr-defined,assignment]
        return aduana_main(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
