"""atheris harness: the configuration loader on arbitrary file contents.

Not collected by pytest. Each input replaces one file of a private copy of the
shipped configuration (the first byte picks which) and builds the runtime; the
only acceptable failure is ConfigError. Seed it with the shipped files::

    mkdir -p /tmp/aduana-config-seeds && cp config/aduana.yaml config/policies/*.yaml \
        config/directory/*.yaml config/approvals/*.yaml /tmp/aduana-config-seeds/
    .venv/bin/python -m tests.fuzz.atheris_config /tmp/aduana-config-findings \
        /tmp/aduana-config-seeds -max_total_time=3600 -timeout=10 -rss_limit_mb=1024
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import atheris  # type: ignore[import-untyped,import-not-found,unused-ignore]

with atheris.instrument_imports():
    from aduana.config.errors import ConfigError
    from aduana.gateway.runtime import build_runtime

from tests.conftest import SHIPPED_CONFIG

FILES = (
    "aduana.yaml",
    "policies/sre.yaml",
    "policies/edugem.yaml",
    "directory/cuentas.yaml",
    "approvals/aprobaciones.yaml",
)


def main() -> None:
    config_dir = Path(tempfile.mkdtemp(prefix="aduana-atheris-")) / "config"
    shutil.copytree(SHIPPED_CONFIG.parent, config_dir)
    originals = {relative: (config_dir / relative).read_bytes() for relative in FILES}

    def one_input(data: bytes) -> None:
        if not data:
            return
        relative = FILES[data[0] % len(FILES)]
        target = config_dir / relative
        target.write_bytes(data[1:])
        try:
            build_runtime(config_dir / "aduana.yaml").close()
        except ConfigError as error:
            for problem in error.problems:
                if not str(problem).startswith(str(problem.file)):
                    raise AssertionError(f"problem without its file: {problem}") from error
        finally:
            target.write_bytes(originals[relative])

    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
