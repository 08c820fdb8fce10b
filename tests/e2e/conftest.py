"""Fixtures for end-to-end tests through a real private Postfix.

Every test under tests/e2e is marked `e2e`. They are skipped only when they
cannot work at all: not root, or Postfix not installed; under CI=true that
is a failure instead (tests/support/required_servers.py).
"""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest

from tests.support.redis_server import RedisServer, redis_server_available
from tests.support.required_servers import require_server

from .harness import (
    MilterFactory,
    PostfixFactory,
    PrivatePostfix,
    RecordingSink,
    postfix_available,
)

E2E_DIR = Path(__file__).resolve().parent


def _skip_reason() -> str | None:
    if os.geteuid() != 0:
        return "e2e tests run a private Postfix, which must be started as root"
    if not postfix_available():
        return "e2e tests need Postfix installed (/usr/sbin/postfix, /usr/sbin/postqueue)"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if E2E_DIR in item.path.parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(autouse=True, scope="session")
def _private_postfix_can_run() -> None:
    """Skipped locally, failed under CI=true, when no private Postfix can run here."""
    reason = _skip_reason()
    require_server("Postfix", reason is None, reason or "")


@pytest.fixture(scope="session")
def session_sink() -> Iterator[RecordingSink]:
    with RecordingSink() as sink:
        yield sink


@pytest.fixture
def sink(session_sink: RecordingSink) -> RecordingSink:
    """The recording SMTP sink every private Postfix relays to, emptied for each test."""
    session_sink.clear()
    return session_sink


@pytest.fixture
def postfix_factory(sink: RecordingSink) -> Iterator[PostfixFactory]:
    """Call it to get a started PrivatePostfix; all are stopped and removed at teardown."""
    factory = PostfixFactory(sink.port)
    try:
        yield factory
    finally:
        factory.cleanup()


@pytest.fixture
def postfix(postfix_factory: PostfixFactory) -> PrivatePostfix:
    """A started private Postfix without milter."""
    return postfix_factory()


@pytest.fixture
def milter_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MilterFactory]:
    """Call it (or `.noop()`) to get a started MilterProcess; all are reaped at teardown.

    The test fails if a daemon logged a warning or error it did not expect
    (declare expected ones with ``@pytest.mark.allow_log_events("event", ...)``).
    """
    factory = MilterFactory(tmp_path / "milters")
    try:
        yield factory
    finally:
        processes = list(factory.processes)
        factory.cleanup()
    allowed = {e for m in request.node.iter_markers("allow_log_events") for e in m.args}
    unexpected = [
        line
        for process in processes
        for line in process.log_lines()
        if isinstance(line, dict)
        and line.get("level") in ("warning", "error", "critical")
        and line.get("event") not in allowed
    ]
    assert unexpected == [], f"unexpected warnings/errors logged by the daemon: {unexpected}"


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A real redis-server from Debian on 127.0.0.1, for one test."""
    require_server(
        "redis-server",
        redis_server_available(),
        "Debian package 'redis-server' (make system installs it)",
    )
    with RedisServer(tmp_path / "redis") as server:
        yield server


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """On failure, attach the mail logs and milter output to the report."""
    report = yield
    if report.when == "call" and report.failed:
        funcargs = getattr(item, "funcargs", {})
        postfixes = funcargs.get("postfix_factory")
        if isinstance(postfixes, PostfixFactory):
            for instance in postfixes.instances:
                report.sections.append((f"maillog {instance.name}", instance.log_tail(80)))
        milters = funcargs.get("milter_factory")
        if isinstance(milters, MilterFactory):
            for process in milters.processes:
                report.sections.append((f"milter {process.log_path.name}", process.log_text()))
    return report
