"""atheris harness: the whole decision path (``explain``) on arbitrary message bytes.

Not collected by pytest (the name does not start with ``test_``). Run it from the
repository root, seeded with the inspection corpus, for as long as you like::

    .venv/bin/python -m tests.corpus.generate /tmp/aduana-seeds
    .venv/bin/python -m tests.fuzz.atheris_message /tmp/aduana-findings /tmp/aduana-seeds \
        -max_total_time=3600 -timeout=10 -rss_limit_mb=1024

A crash is an exception escaping ``explain``; libFuzzer writes the input to
``crash-*`` and stops. ``-timeout`` catches hangs past the inspection budget and
``-rss_limit_mb`` catches unbounded memory.
"""

from __future__ import annotations

import sys
import time

import atheris  # type: ignore[import-untyped,import-not-found,unused-ignore]

with atheris.instrument_imports():
    from aduana.commands.explain import Submission, explain
    from aduana.gateway.runtime import build_runtime

from tests.conftest import SHIPPED_CONFIG

SENDERS = (
    "director.prueba@sre.gob.mx",
    "analista.prueba@sre.gob.mx",
    "suspendido.prueba@sre.gob.mx",
    "maestra.prueba@edugem.gob.mx",
    "alguien@externo.example",
    "",
)


def main() -> None:
    runtime = build_runtime(SHIPPED_CONFIG)

    def one_input(data: bytes) -> None:
        provider = atheris.FuzzedDataProvider(data)
        sender = SENDERS[provider.ConsumeIntInRange(0, len(SENDERS) - 1)]
        recipient = SENDERS[provider.ConsumeIntInRange(0, len(SENDERS) - 1)] or "x@y.example"
        message = provider.ConsumeBytes(provider.remaining_bytes())
        explain(runtime, Submission(sender, (recipient,), message), time.time())

    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
