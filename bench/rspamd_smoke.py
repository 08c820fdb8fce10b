"""``python -m bench.rspamd_smoke``: one message through Postfix + rspamd's milter.

Proves the bench's rspamd (bench/rspamd.py) starts, speaks the milter protocol
to a private Postfix and lets a clean message through with its verdict header,
without running the benchmark. Run as root (Postfix insists).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from tests.e2e.harness import MilterFactory, PostfixFactory, RecordingSink, send

from .rspamd import start_rspamd
from .stack import DEPLOYED_TIMEOUTS

MESSAGE = (
    b"From: <remitente@example.org>\r\nTo: <destino@example.org>\r\n"
    b"Subject: prueba rspamd\r\nMessage-ID: <smoke.1@example.org>\r\n"
    b"Date: Sun, 06 Dec 2026 00:00:00 +0000\r\n\r\n"
    b"Texto neutro de prueba para el banco de pruebas.\r\n"
)


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="aduana-rspamd-smoke-"))
    with RecordingSink() as sink:
        milters = MilterFactory(workdir / "milters", teardown_grace=5.0)
        postfixes = PostfixFactory(sink.port)
        try:
            started = time.monotonic()
            rspamd = start_rspamd(milters, workdir / "rspamd")
            print(f"rspamd listening after {time.monotonic() - started:.1f} s", file=sys.stderr)
            postfix = postfixes(rspamd.postfix_spec, timeouts=DEPLOYED_TIMEOUTS)
            result = send(postfix, "remitente@example.org", ["destino@example.org"], MESSAGE)
            print(f"SMTP reply: {result.code} {result.text}", file=sys.stderr)
            delivered = sink.wait_for(timeout=30)
            header = delivered[0].header("X-Spamd-Result") if delivered else None
            print(f"delivered: {len(delivered)}; X-Spamd-Result: {header}", file=sys.stderr)
            ok = result.code == 250 and header is not None
        finally:
            postfixes.cleanup()
            milters.cleanup()
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
