"""Faults under load: whatever breaks, no message is accepted and then lost.

Every test runs mail through a real private Postfix with
``milter_default_action = tempfail`` while something fails, then checks the
one invariant that matters to a sender: each message either reached the sink
exactly once, or the client was told 4xx/5xx (and then nothing was delivered
and nothing stays queued). Where the failed piece comes back, aduana serves
again without being restarted.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import smtplib
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import pytest

from tests.support.redis_server import RedisServer
from tests.support.required_servers import require_server
from tests.support.slapd import (
    EDUGEM_PEOPLE,
    SERVICE_DN,
    SERVICE_PASSWORD,
    SRE_PEOPLE,
    SRE_SUSPENDED_GROUP,
    SUFFIX,
    SlapdServer,
    slapd_available,
)

from .aduana_fixtures import RunningAduana, start_aduana
from .harness import (
    MilterFactory,
    MilterProcess,
    MilterTimeouts,
    PostfixFactory,
    PrivatePostfix,
    RecordingSink,
    SendResult,
    Stage,
    send,
)
from .traffic import (
    DELIVERY_TIMEOUT,
    DIRECTOR,
    OUTSIDE,
    Outgoing,
    Sent,
    Traffic,
    assert_nothing_lost,
    mixed,
    normal,
    text_message,
)

MIB = 1024 * 1024
JEFE = "analista.prueba@sre.gob.mx"
# Short enough that a hung milter costs each client a few seconds, not minutes.
SHORT_TIMEOUTS = MilterTimeouts(connect="2s", command="2s", content="4s")
# The suspended account's refusals are grave (identity) violations: after five the
# ledger's escalation suspends its sending again and says so, as it should.
ESCALATED = "sending_suspended"


def assert_tempfail_is_451_4_7_1(results: list[SendResult]) -> None:
    for result in results:
        assert (result.code, result.enhanced_code) == (451, "4.7.1"), result


def as_expected(sent: list[Sent]) -> list[Sent]:
    """Transactions whose reply differs from what a healthy gateway gives."""
    return [s for s in sent if s.result.code != s.outgoing.expected_code]


def wait_until(condition: Callable[[], bool], timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


# --- fixtures -----------------------------------------------------------------------


def without_rate_limits(config_dir: Path) -> None:
    """Drop the SRE mass-mailing rules (9.g): these tests send hundreds of messages a
    minute from one account, which the rate windows would rightly refuse."""
    policy = config_dir / "policies" / "sre.yaml"
    text = policy.read_text("utf-8")
    cut = text.index("      mass_mailing:")
    policy.write_text(text[:cut], "utf-8")


@pytest.fixture
def aduana(milter_factory: MilterFactory, tmp_path: Path) -> RunningAduana:
    return start_aduana(milter_factory, tmp_path, edit=without_rate_limits)


@contextlib.contextmanager
def frozen(process: MilterProcess) -> Iterator[None]:
    """SIGSTOP the process for the block: it keeps its sockets but answers nothing."""
    assert process.pid is not None
    os.kill(process.pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(process.pid, signal.SIGCONT)


def restarted(milter_factory: MilterFactory, old: RunningAduana) -> RunningAduana:
    """A new aduana on the same configuration, socket and metrics port."""
    process = milter_factory(
        old.process.argv, old.process.socket.libmilter, metrics_url=old.metrics_url
    )
    return RunningAduana(process, old.config_dir, old.metrics_url)


class StreamingClient:
    """An SMTP client that sends DATA slowly, so a fault can strike in the middle."""

    def __init__(self, gateway: PrivatePostfix, outgoing: Outgoing, *, pause_at_half: bool) -> None:
        self.outgoing = outgoing
        self._gateway = gateway
        self._pause_at_half = pause_at_half
        self.half_sent = threading.Event()
        self.all_sent = threading.Event()
        self.may_finish = threading.Event()
        """Set it to let the client go on from where it paused (half way, or before ".")."""
        self.result: SendResult | None = None
        self._thread = threading.Thread(target=self._run, name="streaming-client", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def join(self, timeout: float = 60.0) -> SendResult:
        self.may_finish.set()
        self._thread.join(timeout)
        assert self.result is not None, "the streaming client did not finish"
        return self.result

    def _run(self) -> None:
        try:
            self.result = self._transaction()
        except (smtplib.SMTPException, OSError) as error:
            self.result = SendResult(Stage.DATA, 0, f"client error: {error}")
        finally:
            for event in (self.half_sent, self.all_sent):
                event.set()

    def _transaction(self) -> SendResult:
        with smtplib.SMTP(self._gateway.host, self._gateway.port, timeout=60) as smtp:
            smtp.ehlo("client.e2e.test")
            code, reply = smtp.mail(self.outgoing.sender)
            if code != 250:
                return SendResult(Stage.MAIL, code, reply.decode())
            code, reply = smtp.rcpt(OUTSIDE)
            if code != 250:
                return SendResult(Stage.RCPT, code, reply.decode())
            code, reply = smtp.docmd("DATA")
            if code != 354:
                return SendResult(Stage.DATA, code, reply.decode())
            data = self.outgoing.raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
            half = len(data) // 2
            smtp.send(data[:half])
            self.half_sent.set()
            if self._pause_at_half:
                self.may_finish.wait(30)
            smtp.send(data[half:])
            self.all_sent.set()
            self.may_finish.wait(30)
            smtp.send(b".\r\n")
            code, reply = smtp.getreply()
            return SendResult(Stage.DATA, code, reply.decode())


# --- aduana killed -------------------------------------------------------------------


@pytest.mark.parametrize(
    "moment",
    [
        pytest.param("client_streaming", id="while-the-client-streams-data"),
        pytest.param("milter_reading_body", id="while-aduana-reads-the-body"),
    ],
)
def test_aduana_killed_mid_transaction_gives_4xx_and_a_restart_serves_again(
    postfix_factory: PostfixFactory,
    milter_factory: MilterFactory,
    sink: RecordingSink,
    aduana: RunningAduana,
    moment: str,
) -> None:
    gateway = postfix_factory(aduana.process.postfix_spec, timeouts=SHORT_TIMEOUTS)
    message_id = f"kill-{moment}@faults.test"
    big = text_message(DIRECTOR, message_id, "grande", body_bytes=4 * MIB)
    client = StreamingClient(
        gateway,
        Outgoing("big", DIRECTOR, message_id, big, 250),
        pause_at_half=moment == "client_streaming",
    )
    client.start()
    if moment == "client_streaming":
        assert client.half_sent.wait(20)
        time.sleep(0.5)
        aduana.process.kill()
    else:
        assert client.all_sent.wait(20)
        # Frozen when the client sends ".": Postfix is left streaming the body
        # into a full socket buffer, and then the daemon dies under it.
        assert aduana.process.pid is not None
        os.kill(aduana.process.pid, signal.SIGSTOP)
        client.may_finish.set()
        time.sleep(1.0)
        aduana.process.kill()
    result = client.join()

    assert (result.stage, result.code, result.enhanced_code) == (Stage.DATA, 451, "4.7.1")
    assert sink.wait_for(timeout=2.0) == []
    assert gateway.queue() == []

    revived = restarted(milter_factory, aduana)
    after = send(gateway, DIRECTOR, [OUTSIDE], text_message(DIRECTOR, "after@faults.test", "x"))
    assert after.accepted, after
    assert sink.wait_for(lambda d: d.header("Message-ID") == "<after@faults.test>", 15)
    assert revived.metric("aduana_transactions_total", action="accept") == 1


@pytest.mark.allow_log_events(ESCALATED)
def test_aduana_killed_under_load_loses_nothing(
    postfix_factory: PostfixFactory,
    milter_factory: MilterFactory,
    sink: RecordingSink,
    aduana: RunningAduana,
) -> None:
    gateway = postfix_factory(aduana.process.postfix_spec, timeouts=SHORT_TIMEOUTS)
    with Traffic(gateway, mixed, clients=3, pause=0.0) as traffic:
        assert traffic.wait_for(lambda sent: len(sent) >= 6)
        aduana.process.kill()
        killed_at = time.monotonic()
        assert traffic.wait_for(lambda sent: sum(s.started > killed_at for s in sent) >= 3)
        restart_began = time.monotonic()
        restarted(milter_factory, aduana)
        revived_at = time.monotonic()
        assert traffic.wait_for(
            lambda sent: sum(s.started > revived_at and s.result.accepted for s in sent) >= 3
        )
    sent = traffic.sent
    counts = assert_nothing_lost(sent, sink, gateway)
    down = [s.result for s in sent if killed_at < s.started < restart_began]
    assert down, "no transaction ran while aduana was dead"
    assert_tempfail_is_451_4_7_1(down)
    assert as_expected([s for s in sent if s.started > revived_at]) == []
    assert counts["accepted"] >= 3


# --- aduana hangs ---------------------------------------------------------------------


@pytest.mark.allow_log_events(ESCALATED)
def test_hung_aduana_past_milter_timeouts_gives_4xx_and_serves_again_when_it_resumes(
    postfix_factory: PostfixFactory, sink: RecordingSink, aduana: RunningAduana
) -> None:
    gateway = postfix_factory(aduana.process.postfix_spec, timeouts=SHORT_TIMEOUTS)
    with Traffic(gateway, mixed, clients=2, pause=0.0) as traffic:
        assert traffic.wait_for(lambda sent: len(sent) >= 4)
        with frozen(aduana.process):
            hung_at = time.monotonic()
            # Past the content timeout (4 s), so transactions caught at end of
            # message time out as well as those that start during the hang.
            assert traffic.wait_for(lambda sent: sum(s.started > hung_at for s in sent) >= 2)
            time.sleep(5.0)
        resumed_at = time.monotonic()
        assert traffic.wait_for(
            lambda sent: sum(s.started > resumed_at + 1.0 and s.result.accepted for s in sent) >= 3
        )
    sent = traffic.sent
    assert_nothing_lost(sent, sink, gateway)
    during = [s.result for s in sent if hung_at < s.started < resumed_at - 4.0]
    assert during, "no transaction ran while aduana was hung"
    assert_tempfail_is_451_4_7_1(during)
    after = [s for s in sent if s.started > resumed_at + 1.0]
    assert after
    assert as_expected(after) == []
    assert aduana.process.alive


# --- broken configuration reloaded ---------------------------------------------------


def _break_main_value(config_dir: Path) -> None:
    main = config_dir / "aduana.yaml"
    main.write_text(main.read_text("utf-8").replace("monitor_only: false", "monitor_only: quizas"))


def _half_written_policy(config_dir: Path) -> None:
    policy = config_dir / "policies" / "sre.yaml"
    text = policy.read_text("utf-8")
    policy.write_text(text[: len(text) // 2] + "\n  - {broken: [", "utf-8")


def _directory_gone(config_dir: Path) -> None:
    (config_dir / "directory" / "cuentas.yaml").rename(config_dir / "directory" / "old.yaml")


def _reload_failures_logged(aduana: RunningAduana, count: int) -> bool:
    return len(aduana.events("config_reload_failed")) == count


def reloads_reach(aduana: RunningAduana, result: str, count: int) -> bool:
    return wait_until(lambda: aduana.metric("aduana_config_reloads_total", result=result) == count)


BREAKAGES = [
    (_break_main_value, "monitor_only"),
    (_half_written_policy, "sre.yaml"),
    (_directory_gone, "cuentas.yaml"),
]


@pytest.mark.allow_log_events(ESCALATED, "config_reload_failed")
def test_broken_config_reloaded_under_load_keeps_the_old_one_serving(
    postfix_factory: PostfixFactory, sink: RecordingSink, aduana: RunningAduana, tmp_path: Path
) -> None:
    gateway = postfix_factory(aduana.process.postfix_spec)
    good = tmp_path / "good-config"
    shutil.copytree(aduana.config_dir, good)
    with Traffic(gateway, mixed, clients=2, pause=0.02) as traffic:
        for failures, (breakage, named) in enumerate(BREAKAGES, start=1):
            breakage(aduana.config_dir)
            aduana.process.hup()
            assert reloads_reach(aduana, "failure", failures)
            # The metric can be scraped before the log line is written: wait for the event.
            assert wait_until(partial(_reload_failures_logged, aduana, failures))
            assert named in str(aduana.events("config_reload_failed")[-1]["problems"])
            shutil.rmtree(aduana.config_dir)
            shutil.copytree(good, aduana.config_dir)
            assert traffic.goes_on(4)
        aduana.process.hup()
        assert reloads_reach(aduana, "success", 1)
        assert traffic.goes_on(4)
    sent = traffic.sent
    counts = assert_nothing_lost(sent, sink, gateway)
    assert as_expected(sent) == [], "a reload changed some answer"
    assert counts["temporary"] == 0
    assert {s.kind for s in sent} == {"normal", "suspended"}
    assert aduana.metric("aduana_internal_errors_total", stage="end_of_message") == 0


# --- Redis -----------------------------------------------------------------------------


@pytest.mark.allow_log_events(ESCALATED, "state_backend_degraded")
def test_redis_stopped_and_restarted_under_load_neither_loses_nor_refuses_mail(
    postfix_factory: PostfixFactory,
    milter_factory: MilterFactory,
    sink: RecordingSink,
    redis_server: RedisServer,
    tmp_path: Path,
) -> None:
    state = (
        f'state:\n  backend: redis\n  redis_url: "{redis_server.url}"\n  retry_after_seconds: 1\n'
    )
    aduana = start_aduana(milter_factory, tmp_path, state)
    gateway = postfix_factory(aduana.process.postfix_spec)
    # Few enough messages that the shipped rate windows (SRE 9.g) are never reached.
    with Traffic(gateway, mixed, clients=2, pause=0.1) as traffic:
        assert traffic.wait_for(lambda sent: len(sent) >= 4)
        assert aduana.metric("aduana_state_backend_degraded") == 0
        redis_server.stop()
        assert wait_until(lambda: aduana.metric("aduana_state_backend_degraded") == 1)
        assert traffic.goes_on(6)
        redis_server.start()
        assert wait_until(lambda: aduana.metric("aduana_state_backend_degraded") == 0)
        assert traffic.goes_on(4)
    sent = traffic.sent
    assert_nothing_lost(sent, sink, gateway)
    assert as_expected(sent) == []
    assert aduana.events("state_backend_degraded")
    assert aduana.events("state_backend_recovered")
    assert aduana.metric("aduana_internal_errors_total", stage="end_of_message") == 0


# --- LDAP ------------------------------------------------------------------------------

CACHE_TTL = 1.0
STALE_GRACE = 3.0


def ldap_directory_config(server: SlapdServer, password_file: Path) -> str:
    return f"""directory:
  backend: ldap
  urls: ["{server.url}"]
  bind_dn: "{SERVICE_DN}"
  bind_password_file: "{password_file}"
  base_dn: "{SUFFIX}"
  rank_map: {{Profesora: Docente}}
  status_attribute: accountStatus
  cancelled_values: [baja, cancelada]
  suspended_values: [suspendida]
  suspended_group_dn: "{SRE_SUSPENDED_GROUP}"
  disabled_account_is: cancelled
  organisation_by_base_dn:
    "{SRE_PEOPLE.split(",", 1)[1]}": sre
    "{EDUGEM_PEOPLE.split(",", 1)[1]}": edugem
  timeout_seconds: 0.5
  cache_ttl_seconds: {CACHE_TTL}
  negative_cache_ttl_seconds: {CACHE_TTL}
  stale_grace_seconds: {STALE_GRACE}
  retry_seconds: 0.5
"""


@pytest.fixture
def slapd(tmp_path: Path) -> Iterator[SlapdServer]:
    require_server(
        "slapd",
        slapd_available(),
        "Debian packages 'slapd' and 'ldap-utils' (make system installs them)",
    )
    with SlapdServer(tmp_path / "slapd") as server:
        yield server


@pytest.mark.allow_log_events(ESCALATED, "directory_degraded", "directory_unavailable")
def test_ldap_outage_under_load_serves_cache_then_tempfails_then_recovers(
    postfix_factory: PostfixFactory,
    milter_factory: MilterFactory,
    sink: RecordingSink,
    slapd: SlapdServer,
    tmp_path: Path,
) -> None:
    password_file = tmp_path / "bind-password"
    password_file.write_text(SERVICE_PASSWORD + "\n")
    password_file.chmod(0o600)
    aduana = start_aduana(
        milter_factory, tmp_path, ldap_directory_config(slapd, password_file), without_rate_limits
    )
    gateway = postfix_factory(aduana.process.postfix_spec)
    with Traffic(gateway, mixed, clients=2, pause=0.05) as traffic:
        # Both senders are looked up (and cached) before the outage.
        assert traffic.wait_for(lambda sent: {s.kind for s in sent} == {"normal", "suspended"})
        assert as_expected(traffic.sent) == []

        slapd.stop()
        stopped_at = time.monotonic()
        # Within the grace the cached answers keep serving...
        assert traffic.wait_for(lambda sent: sum(s.started > stopped_at for s in sent) >= 4)
        assert wait_until(lambda: aduana.metric("aduana_directory_degraded") == 1, 5)
        never_asked = send(gateway, JEFE, [OUTSIDE], text_message(JEFE, "jefe@faults.test", "j"))
        # ...and past it, the directory's answers are too old: 4xx, so the MTA retries.
        assert traffic.wait_for(
            lambda sent: any(s.started > stopped_at and s.result.temporary for s in sent),
            timeout=CACHE_TTL + STALE_GRACE + 10,
        )
        assert traffic.wait_for(lambda sent: sum(s.result.temporary for s in sent) >= 4)

        slapd.start()
        restarted_at = time.monotonic()
        assert traffic.wait_for(
            lambda sent: sum(s.started > restarted_at and s.result.accepted for s in sent) >= 3
        )
        assert wait_until(lambda: aduana.metric("aduana_directory_degraded") == 0, 5)
    sent = traffic.sent
    counts = assert_nothing_lost(sent, sink, gateway)

    assert (never_asked.code, never_asked.enhanced_code) == (451, "4.7.1"), never_asked
    grace_end = stopped_at + STALE_GRACE - 0.5
    within_grace = [s for s in sent if stopped_at < s.started < grace_end]
    assert within_grace
    assert as_expected(within_grace) == [], "the cache did not keep serving"
    normal_refusals = [s.result for s in sent if s.kind == "normal" and not s.result.accepted]
    assert normal_refusals, "the outage outlived the grace but nothing was tempfailed"
    assert_tempfail_is_451_4_7_1(normal_refusals)
    # A valid sender is never refused for good because LDAP was down.
    assert [s for s in sent if s.kind == "normal" and s.result.permanent] == []
    assert counts["temporary"] >= 4
    assert aduana.metric("aduana_backend_tempfails_total", backend="directory") >= 4
    assert as_expected([s for s in sent if s.started > restarted_at + 1.5]) == []
    assert aduana.events("directory_degraded")
    assert aduana.events("directory_recovered")


# --- disk full ----------------------------------------------------------------------------


@pytest.fixture
def tiny_tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A 2 MiB tmpfs, for the spool of bodies bigger than 1 MiB."""
    mount_point = tmp_path / "tiny-tmp"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m,mode=1777", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def used_bytes(mount_point: Path) -> int:
    stat = os.statvfs(mount_point)
    return (stat.f_blocks - stat.f_bfree) * stat.f_frsize


@pytest.mark.allow_log_events("internal_error")
def test_spool_disk_full_gives_4xx_loses_nothing_and_frees_the_spool(
    postfix_factory: PostfixFactory,
    milter_factory: MilterFactory,
    sink: RecordingSink,
    tiny_tmpfs: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with monkeypatch.context() as env:
        env.setenv("TMPDIR", str(tiny_tmpfs))  # where SpooledTemporaryFile rolls over to
        aduana = start_aduana(milter_factory, tmp_path, edit=without_rate_limits)
    gateway = postfix_factory(aduana.process.postfix_spec)
    too_big = text_message(DIRECTOR, "full@faults.test", "grande", body_bytes=5 * MIB)
    fits = text_message(DIRECTOR, "fits@faults.test", "cabe", body_bytes=int(1.5 * MIB))
    small = text_message(DIRECTOR, "small@faults.test", "chico")

    refused = send(gateway, DIRECTOR, [OUTSIDE], too_big)
    assert (refused.stage, refused.code, refused.enhanced_code) == (Stage.DATA, 451, "4.7.1")
    assert aduana.metric("aduana_internal_errors_total", stage="body") == 1
    assert used_bytes(tiny_tmpfs) < 64 * 1024, "the failed spool file was not released"

    assert send(gateway, DIRECTOR, [OUTSIDE], fits).accepted
    assert send(gateway, DIRECTOR, [OUTSIDE], small).accepted
    delivered = sink.wait_for(count=2, timeout=DELIVERY_TIMEOUT)
    assert sorted(d.header("Message-ID") or "" for d in delivered) == [
        "<fits@faults.test>",
        "<small@faults.test>",
    ]
    assert gateway.wait_queue_empty(DELIVERY_TIMEOUT)
    assert used_bytes(tiny_tmpfs) < 64 * 1024


@pytest.mark.allow_log_events("config_reload_failed")
def test_deeply_nested_config_reloaded_keeps_the_daemon_serving(
    postfix_factory: PostfixFactory, sink: RecordingSink, aduana: RunningAduana
) -> None:
    gateway = postfix_factory(aduana.process.postfix_spec)
    aduana.config_file.write_text("milter: " + "[" * 5000, "utf-8")
    aduana.process.hup()
    time.sleep(2.0)
    assert aduana.process.alive, aduana.process.log_text()[-2000:]
    assert reloads_reach(aduana, "failure", 1)
    assert send(gateway, DIRECTOR, [OUTSIDE], normal(0).raw).accepted
