"""Where a phase's CPU went: the bot instances, PostgreSQL, Redis, this driver and the rest of the machine.

Scaling on one machine is bounded by what the instances cost per message against what everything
else costs per message: `load.py` reports both, per phase, so a run says what limited it instead of
leaving it to a separate `top`. Linux only (read from /proc); elsewhere the figures are left out.

Every process's CPU time (user + system, all its threads) is read every `interval` seconds in a thread
of this process; a process's share is its last reading minus its first (or minus nothing when it started
during the window). PostgreSQL's server processes are told by their name; a backend that starts and
ends between two readings is not seen, and a process's last half second before it exits is not read,
so that CPU lands in "other" with the kernel's own work and the machine's other services. Time the
hypervisor gave to other guests (steal) is not counted as busy. "driver" is this process: the balancer, every customer, both fake APIs and
this meter.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

PROC = Path("/proc")
TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _process_cpu(pid: str) -> tuple[str, str, float] | None:
    """(command name, start time, CPU seconds so far) of one process; None when it is gone or unreadable.
    The start time tells a process from a later one that was given the same pid."""
    try:
        stat = (PROC / pid / "stat").read_text()
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        return name, fields[19], (int(fields[11]) + int(fields[12])) / TICKS  # starttime; utime + stime
    except (OSError, ValueError, IndexError):
        return None


def _machine_busy() -> float:
    """CPU seconds the machine has worked since boot, over every core: user, nice, system, irq and
    softirq (guest time is inside user already; idle, iowait and steal are not work done here)."""
    user, nice, system, _idle, _iowait, irq, softirq = (int(v) for v in (PROC / "stat").read_text().split()[1:8])
    return (user + nice + system + irq + softirq) / TICKS


class CpuMeter:
    """Samples every process's CPU time between `start()` and `stop()`; `stop()` returns seconds by kind."""

    def __init__(self, instance_pids: Callable[[], Iterable[int]], interval: float = 0.5) -> None:
        self.instance_pids = instance_pids
        self.interval = interval
        self.available = (PROC / "stat").exists()
        self._first: dict[tuple[str, str], float] = {}  # (pid, start time): CPU seconds at the first reading
        self._last: dict[tuple[str, str], tuple[str, float]] = {}  # (pid, start time): name, CPU seconds
        self._instances: set[str] = set()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._started = 0.0
        self._machine_start = 0.0

    def start(self) -> None:
        if not self.available:
            return
        self._machine_start = _machine_busy()
        self._started = time.monotonic()
        self._read(first=True)
        self._thread = threading.Thread(target=self._run, name="cpu-meter", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopping.wait(self.interval):
            self._read(first=False)

    def _read(self, *, first: bool) -> None:
        self._instances.update(str(pid) for pid in self.instance_pids())
        for entry in os.listdir(PROC):
            if not entry.isdigit():
                continue
            reading = _process_cpu(entry)
            if reading is None:
                continue
            name, started, seconds = reading
            if first:
                self._first[entry, started] = seconds
            self._last[entry, started] = (name, seconds)

    def stop(self) -> dict[str, float] | None:
        """CPU seconds by kind over the window, its wall seconds and the machine's busy seconds; None off Linux."""
        if not self.available or self._thread is None:
            return None
        self._stopping.set()
        self._thread.join()
        self._read(first=False)
        wall = time.monotonic() - self._started
        busy = _machine_busy() - self._machine_start
        kinds = {"instances": 0.0, "postgresql": 0.0, "redis": 0.0, "driver": 0.0}
        me = str(os.getpid())
        for (pid, started), (name, seconds) in self._last.items():
            used = seconds - self._first.get((pid, started), 0.0)
            if pid in self._instances:
                kinds["instances"] += used
            elif pid == me:
                kinds["driver"] += used
            elif name.startswith("postgres"):
                kinds["postgresql"] += used
            elif name.startswith("redis"):
                kinds["redis"] += used
        kinds["other"] = max(0.0, busy - sum(kinds.values()))
        return {"wall_s": wall, "busy_s": busy, **kinds}


def per_message(seconds: dict[str, float] | None, messages: int, cores: int) -> dict[str, float] | None:
    """The meter's figures as milliseconds of CPU per message answered, and how busy the machine was."""
    if seconds is None or messages <= 0:
        return None
    kinds = ("instances", "postgresql", "redis", "driver", "other")
    figures = {f"{kind}_ms": round(1000 * seconds[kind] / messages, 2) for kind in kinds}
    figures["total_ms"] = round(sum(1000 * seconds[kind] / messages for kind in kinds), 2)
    figures["machine_busy"] = round(seconds["busy_s"] / (seconds["wall_s"] * cores), 3) if seconds["wall_s"] > 0 else 0.0
    return figures
