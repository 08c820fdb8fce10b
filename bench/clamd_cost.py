"""``python -m bench.clamd_cost``: what one clamd INSTREAM scan costs at 1 MB and 10 MB.

Starts a private clamd (tests/support/clamd.py, one test signature) and scans,
with aduana's own `ClamdScanner`, messages built like the benchmark's: one
attachment of random bytes (incompressible, base64 in the message) and one zip
of ten members. It compares the two ways issue 12 asked to weigh: the whole message as
received (what aduana sends) and only the decoded attachment (what a per-part
scan would send). The median of ``--runs`` scans is reported, wall time.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import tempfile
import time
import zipfile
from collections.abc import Sequence
from email.message import EmailMessage
from pathlib import Path

from aduana.config.schema import AntivirusSettings
from aduana.gateway.antivirus import ClamdScanner
from tests.support.clamd import ClamdServer

MIB = 1024 * 1024


def _message(attachment: bytes, name: str) -> bytes:
    mail = EmailMessage()
    mail["From"] = "bench@sre.gob.mx"
    mail["To"] = "destino@example.org"
    mail["Subject"] = "clamd cost"
    mail.set_content("Adjunto.")
    mail.add_attachment(attachment, maintype="application", subtype="octet-stream", filename=name)
    return mail.as_bytes()


def _zip_of_files(size: int) -> bytes:
    """Ten members clamd must inflate and scan one by one (random, so ~size bytes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index in range(10):
            archive.writestr(f"anexo{index}.bin", os.urandom(size // 10))
    return buffer.getvalue()


def _median_ms(scanner: ClamdScanner, data: bytes, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        scanner.scan(io.BytesIO(data))
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.clamd_cost", description=__doc__)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as workdir, ClamdServer(Path(workdir)) as clamd:
        scanner = ClamdScanner(
            AntivirusSettings.model_validate(
                {"socket": clamd.socket_spec, "stream_max_bytes": "30MiB"}
            )
        )
        print(f"{'attachment':<22}{'message':>10}{'whole message':>16}{'decoded part':>15}")
        for size in (MIB, 10 * MIB):
            # Message size = size: the attachment's base64 is 4/3 of its bytes.
            for label, attachment in (
                ("random bytes", os.urandom(size * 3 // 4)),
                ("zip of 10 files", _zip_of_files(size * 3 // 4)),
            ):
                raw = _message(attachment, "adjunto.bin")
                whole = _median_ms(scanner, raw, args.runs)
                part = _median_ms(scanner, attachment, args.runs)
                print(
                    f"{label + f' {size // MIB} MB':<22}{len(raw) / MIB:>9.1f}M"
                    f"{whole:>14.1f}ms{part:>13.1f}ms"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
