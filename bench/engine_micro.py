"""The engine alone, in process, no SMTP: where a message's CPU time goes.

Each message is replayed as ``aduana.commands.explain.explain`` replays it (both
checkpoints, fresh counters), with a timer around each stage:

- ``mail_from``: directory look-ups and the envelope-only decision;
- ``spool``: headers and body into the TransactionBuilder;
- ``inspect``: ``aduana.inspect.inspect_message`` (MIME walk, libmagic, archives);
- ``text``: ``aduana.content.message_text.message_text`` (body, PDF and Office text);
- ``activity``: counters and the one-to-one fingerprint of the body text;
- ``decide``: the pure engine, ``aduana.policy.engine.decide``.

The stages call the same functions as ``aduana.gateway.checkpoint.at_end_of_message``,
and every replay checks that its verdict equals ``explain``'s.

``parallel_inspection`` measures inspection + text extraction with threads
(as libmilter runs it: one thread per connection, under the GIL) against a
process pool of one worker per core: the prototype for the proposed change.
"""

from __future__ import annotations

import email
import email.policy
import io
import os
import time
import tracemalloc
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType

from prometheus_client import CollectorRegistry

from aduana.commands.explain import Submission, explain
from aduana.content.message_text import body_text, message_text
from aduana.gateway.checkpoint import ENVELOPE_ACTIONS, at_mail_from, inspection_limits, needs_text
from aduana.gateway.runtime import Runtime, build_runtime
from aduana.gateway.send_counts import SendCounter
from aduana.inspect import InspectionLimits, inspect_message
from aduana.observability.metrics import Metrics
from aduana.policy.engine import decide
from aduana.policy.facts import Envelope
from aduana.state import MemoryCounterStore

from .messages import Mix, recipient_for

STAGES = ("mail_from", "spool", "inspect", "text", "activity", "decide")
# Messages replayed per mix: every variant the mix builds (4k, 1m) or a few (10m).
SET_SIZES: Mapping[str, int] = MappingProxyType({"4k": 32, "1m": 8, "10m": 3})
REPO = Path(__file__).resolve().parent.parent
SHIPPED_CONFIG = REPO / "config" / "aduana.yaml"


@dataclass(frozen=True)
class StageTimes:
    seconds: dict[str, float]
    action: str

    @property
    def total(self) -> float:
        return sum(self.seconds.values())


def _crlf(data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def replay(
    runtime: Runtime, submission: Submission, now: float, metrics: Metrics | None = None
) -> StageTimes:
    """``explain`` with a stopwatch around each stage. Pass the same ``metrics`` to
    every replay: the daemon registers its metrics once, not per message."""
    clock = time.perf_counter
    seconds = dict.fromkeys(STAGES, 0.0)
    mark = clock()

    def lap(stage: str) -> None:
        nonlocal mark
        now_ = clock()
        seconds[stage] += now_ - mark
        mark = now_

    envelope = Envelope(
        submission.sender, login=submission.login, client_address=submission.client_address
    )
    builder, _, verdict = at_mail_from(runtime, envelope, now)
    lap("mail_from")
    if verdict.action in ENVELOPE_ACTIONS:
        return StageTimes(seconds, verdict.action.value)
    for recipient in submission.recipients:
        builder.add_recipient(recipient)
    head, separator, body = _crlf(submission.message).partition(b"\r\n\r\n")
    parsed = email.message_from_bytes(head + b"\r\n\r\n", policy=email.policy.compat32)
    for name, value in parsed.items():
        builder.add_header(name, str(value))
    builder.add_body(body if separator else b"")
    settings = runtime.settings
    at = datetime.fromtimestamp(now, UTC)
    facts = builder.message_facts(None, at)
    lap("spool")
    assert facts.content is not None
    builder.message.seek(0)
    inspection = inspect_message(builder.message, inspection_limits(settings))
    lap("inspect")
    text = message_text(builder.message) if needs_text(settings, facts) else None
    facts = replace(facts, content=replace(facts.content, inspection=inspection, text=text))
    lap("text")
    activity = SendCounter(MemoryCounterStore(), metrics or Metrics.create(CollectorRegistry()))
    # As at_end_of_message: the fingerprint reads the body text already extracted.
    body_of = (lambda: text.body) if text is not None else (lambda: body_text(builder.message))
    sender_activity, pending = activity.gather(settings, facts, body_of, now)
    facts = replace(facts, activity=sender_activity)
    lap("activity")
    verdict = decide(settings, facts)
    activity.record(pending, verdict)
    lap("decide")
    builder.close()
    return StageTimes(seconds, verdict.action.value)


@dataclass(frozen=True)
class SetResult:
    """One message set, replayed ``rounds`` times."""

    name: str
    messages: int
    rounds: int
    explain_per_second: float  # whole replays through aduana.commands.explain.explain
    stage_ms: dict[str, float]  # mean per message
    actions: dict[str, int]


def measure_set(
    runtime: Runtime, name: str, submissions: Sequence[Submission], budget: float
) -> SetResult:
    """Replay the set at least once and for about ``budget`` seconds in all."""
    now = time.time()
    for submission in submissions:  # the stopwatch must agree with the real thing
        expected = explain(runtime, submission, now).action.value
        got = replay(runtime, submission, now).action
        if got != expected:
            raise AssertionError(f"{name}: replay said {got}, explain said {expected}")
    metrics = Metrics.create(CollectorRegistry())
    rounds = 0
    started = time.perf_counter()
    while rounds == 0 or time.perf_counter() - started < budget / 2:
        for submission in submissions:
            explain(runtime, submission, now)
        rounds += 1
    explain_rate = rounds * len(submissions) / (time.perf_counter() - started)
    totals = dict.fromkeys(STAGES, 0.0)
    actions: dict[str, int] = {}
    replays = 0
    started = time.perf_counter()
    while replays == 0 or time.perf_counter() - started < budget / 2:
        for submission in submissions:
            times = replay(runtime, submission, now, metrics)
            for stage, spent in times.seconds.items():
                totals[stage] += spent
            if replays == 0:
                actions[times.action] = actions.get(times.action, 0) + 1
        replays += 1
    count = replays * len(submissions)
    return SetResult(
        name=name,
        messages=len(submissions),
        rounds=rounds,
        explain_per_second=explain_rate,
        stage_ms={stage: spent * 1000 / count for stage, spent in totals.items()},
        actions=actions,
    )


def corpus_submissions() -> list[Submission]:
    """Every case of tests/corpus, as an inbound message to a valid account."""
    from tests.corpus.generate import CASES

    recipient = "director.prueba@sre.gob.mx"
    return [Submission("remitente@ejemplo.gob.mx", (recipient,), c.build()) for c in CASES]


def mix_set(name: str) -> list[Submission]:
    """The replayed set of one mix: ``SET_SIZES[name]`` of its messages."""
    from .messages import build_mix

    return mix_submissions(build_mix(name), SET_SIZES[name])


def mix_submissions(mix: Mix, count: int) -> list[Submission]:
    recipient = recipient_for("engine")
    return [
        Submission(
            t.sender,
            (recipient,),
            t.render(i, recipient).replace(b"\r\n..", b"\r\n."),  # undo dot-stuffing
            login=t.sender,
        )
        for i, t in ((i, mix.template(i)) for i in range(count))
    ]


# --- the GIL and a process pool ----------------------------------------------------


def inspect_and_extract(data: bytes, limits: InspectionLimits) -> int:
    """The heavy part of end of message; returns the number of parts (to pickle little)."""
    source = io.BytesIO(data)
    inspection = inspect_message(source, limits)
    message_text(source)
    return len(inspection.parts)


@dataclass(frozen=True)
class ParallelResult:
    mix: str
    messages: int
    serial_per_second: float
    threads: int
    threads_per_second: float
    processes: int
    processes_per_second: float

    @property
    def process_gain(self) -> float:
        return self.processes_per_second / self.threads_per_second


def _rate(executor: Executor, work: Callable[[bytes], int], messages: Sequence[bytes]) -> float:
    started = time.perf_counter()
    list(executor.map(work, messages))
    return len(messages) / (time.perf_counter() - started)


def parallel_inspection(
    runtime: Runtime, mix: Mix, count: int, threads: int = 10, processes: int | None = None
) -> ParallelResult:
    """Messages/s of inspection + text: serial, ``threads`` threads, a process pool."""
    from functools import partial

    limits = inspection_limits(runtime.settings)
    work = partial(inspect_and_extract, limits=limits)
    messages = [s.message for s in mix_submissions(mix, count)]
    workers = processes or os.cpu_count() or 1
    started = time.perf_counter()
    for data in messages:
        work(data)
    serial = len(messages) / (time.perf_counter() - started)
    with ThreadPoolExecutor(threads) as pool:
        threaded = _rate(pool, work, messages)
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(work, messages[:workers]))  # start and warm the workers first
        pooled = _rate(pool, work, messages)
    return ParallelResult(mix.name, count, serial, threads, threaded, workers, pooled)


@dataclass(frozen=True)
class MemoryResult:
    """Peak Python allocations (tracemalloc) of each heavy step, for one message."""

    mix: str
    message_mb: float
    peak_mb: dict[str, float]


def memory_by_stage(runtime: Runtime, mix: Mix) -> MemoryResult:
    """What one message of ``mix`` costs in memory at each step of end of message.

    ``body_text`` is the second parse that ``SendCounter.gather`` asks for (the
    one-to-one fingerprint reads only the body, but parses the whole message).
    """
    data = mix_submissions(mix, 1)[0].message
    limits = inspection_limits(runtime.settings)
    steps: dict[str, Callable[[], object]] = {
        "inspect": lambda: inspect_message(io.BytesIO(data), limits),
        "text": lambda: message_text(io.BytesIO(data)),
        "body_text": lambda: body_text(io.BytesIO(data)),
    }
    peaks: dict[str, float] = {}
    tracemalloc.start()
    try:
        for step, work in steps.items():
            tracemalloc.reset_peak()
            base = tracemalloc.get_traced_memory()[0]
            work()
            peaks[step] = (tracemalloc.get_traced_memory()[1] - base) / 1e6
    finally:
        tracemalloc.stop()
    return MemoryResult(mix.name, len(data) / 1e6, peaks)


def engine_runtime(config: Path = SHIPPED_CONFIG) -> Runtime:
    return build_runtime(config)
