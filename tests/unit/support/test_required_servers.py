"""require_server: a missing real server skips a test locally and fails it in CI."""

from __future__ import annotations

import pytest

from tests.support.required_servers import require_server


def test_a_present_server_lets_the_test_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    require_server("redis-server", True, "Debian package 'redis-server'")


def test_a_missing_server_skips_locally_and_says_what_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="slapd is missing: Debian package 'slapd'"):
        require_server("slapd", False, "Debian package 'slapd'")


@pytest.mark.parametrize("value", ["true", "TRUE", "1", "yes"])
def test_a_missing_server_fails_under_ci_and_names_it(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.fail.Exception, match="CI=true and miltertest is missing"):
        require_server("miltertest", False, "Debian package 'miltertest'")


def test_ci_false_still_skips(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception):
        require_server("promtool", False, "Debian package 'prometheus'")
