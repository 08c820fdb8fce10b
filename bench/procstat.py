"""What /proc says about a process and the machine: CPU time, memory, load."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int, *, reaped_children: bool = False) -> float:
    """utime + stime of ``pid`` (all its threads), from /proc/PID/stat; with
    ``reaped_children``, plus the CPU time of the children it has waited for."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    # "pid (comm) state ppid ...": comm may hold spaces, so split after the last ')'.
    fields = stat[stat.rindex(")") + 2 :].split()
    ticks = int(fields[11]) + int(fields[12])
    if reaped_children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / CLOCK_TICKS


def family_cpu_seconds(root: int) -> float:
    """CPU seconds of ``root`` and its descendants, those alive now and those that
    exited and were reaped (aduana replaces its inspection workers as it runs)."""
    total = 0.0
    for pid in process_tree(root):
        try:
            total += cpu_seconds(pid, reaped_children=True)
        except FileNotFoundError:
            continue
    return total


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (e.g. a process pool's workers)."""
    children: dict[int, list[int]] = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
        except OSError:  # gone while we listed /proc
            continue
        parent = int(stat[stat.rindex(")") + 2 :].split()[1])
        children.setdefault(parent, []).append(int(proc.name))
    tree, pending = [], [pid]
    while pending:
        current = pending.pop()
        tree.append(current)
        pending.extend(children.get(current, []))
    return tree


def role_of(pid: int, root: int) -> str:
    """What a process of the milter's tree is: the daemon, an inspection worker, or
    multiprocessing's resource tracker."""
    if pid == root:
        return "daemon"
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return "gone"
    if b"resource_tracker" in command:
        return "tracker"
    return "worker" if b"spawn_main" in command else "other"


def tree_status_kib(pids: list[int], field: str) -> int:
    """Sum of a /proc/PID/status field over the live processes (RSS of a process pool)."""
    total = 0
    for pid in pids:
        try:
            total += status_kib(pid, field)
        except FileNotFoundError:
            continue
    return total


def tree_pss_kib(pids: list[int]) -> int:
    """Sum of the proportional set size (smaps_rollup ``Pss``) of the live processes."""
    total = 0
    for pid in pids:
        try:
            lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
        except OSError:
            continue
        total += next((int(line.split()[1]) for line in lines if line.startswith("Pss:")), 0)
    return total


def status_kib(pid: int, field: str) -> int:
    """A ``kB`` line of /proc/PID/status, e.g. VmRSS or VmHWM."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(f"{field} not in /proc/{pid}/status")


def reset_peak_rss(pid: int) -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0, needs the right to write clear_refs)."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


@dataclass(frozen=True)
class MachineTimes:
    """Jiffies of all CPUs from /proc/stat: busy and total."""

    busy: int
    total: int

    @classmethod
    def now(cls) -> MachineTimes:
        first = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
        values = [int(v) for v in first]
        idle = values[3] + values[4]  # idle + iowait
        total = sum(values[:8])  # guest time is already counted in user
        return cls(total - idle, total)

    def busy_cores_since(self, earlier: MachineTimes) -> float:
        """Average number of busy cores between ``earlier`` and this sample."""
        total = self.total - earlier.total
        if total <= 0:
            return 0.0
        return (self.busy - earlier.busy) / total * (os.cpu_count() or 1)


def load_average() -> tuple[float, float, float]:
    one, five, fifteen = os.getloadavg()
    return one, five, fifteen


class RssSampler:
    """Samples VmRSS and PSS of ``pid`` every ``interval`` seconds in a thread; keeps
    the max of each.

    Both are summed over the process and its children (a pool's workers). RSS
    counts a page once per process that maps it (shared libraries, libmagic's
    database, which every process maps); PSS divides a shared page among its
    processes, so the sum is what the processes really hold.
    With no pid it samples nothing, so callers need no second code path.
    """

    def __init__(self, pid: int | None, interval: float = 0.1) -> None:
        self._pid = pid
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)
        self.max_kib = 0
        self.max_pss_kib = 0
        self.samples = 0

    def _run(self) -> None:
        while self._pid is not None and not self._stop.is_set():
            tree = process_tree(self._pid)  # again each time: workers are replaced
            self.max_kib = max(self.max_kib, tree_status_kib(tree, "VmRSS"))
            self.max_pss_kib = max(self.max_pss_kib, tree_pss_kib(tree))
            self.samples += 1
            self._stop.wait(self._interval)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()


def wait_quiet(max_load: float, timeout: float, poll: float = 5.0) -> float:
    """Wait until the 1-minute load average is below ``max_load``; returns the last value."""
    deadline = time.monotonic() + timeout
    load = load_average()[0]
    while load > max_load and time.monotonic() < deadline:
        time.sleep(poll)
        load = load_average()[0]
    return load
