"""require_server(): a test that needs a real server skips locally but fails in CI.

Tests that start a real Redis, slapd, PostgreSQL, Prometheus/promtool, ClamAV,
Sendmail, Postfix or run miltertest call this before they start it:

    require_server("redis-server", redis_server_available(), "apt-get install redis-server")

- The server is there: nothing happens.
- It is missing and the environment variable CI is "true" (as CI runs
  ``.ci/run``): the test FAILS, naming the missing server and how to get it, so a
  green CI run on a bare machine cannot hide a suite that never ran.
- It is missing elsewhere: the test is skipped with the same words.

Call it inside the test or the fixture that starts the server (a fixture of any
scope may call it), never as a ``skipif`` mark: marks are evaluated at
collection, where a failure would stop the whole run instead of naming the test.
"""

from __future__ import annotations

import os

import pytest

CI_VARIABLE = "CI"


def running_in_ci() -> bool:
    """True when CI=true (also 1 or yes, in any case) is set in the environment."""
    return os.environ.get(CI_VARIABLE, "").strip().lower() in ("true", "1", "yes")


def require_server(name: str, available: bool, reason: str) -> None:
    """Skip (locally) or fail (CI=true) the calling test when server ``name`` is missing.

    ``reason`` says what is missing and how to get it, e.g. "Debian package
    'redis-server' (make system installs it)".
    """
    if available:
        return
    message = f"{name} is missing: {reason}"
    if running_in_ci():
        pytest.fail(f"CI=true and {message}", pytrace=False)
    pytest.skip(message)
