"""The load benchmark's CPU meter (benchmarks/loadkit/cpu.py): what limits scaling is read from its figures,
so a busy process's CPU must land under the right kind, and a process started mid-window must count whole."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support import benchmark_module

cpu = benchmark_module("loadkit/cpu")
linux_only = pytest.mark.skipif(not Path("/proc/stat").exists(), reason="the meter reads Linux's /proc")

SPIN = "import time\nend = time.monotonic() + {seconds}\nwhile time.monotonic() < end:\n    pass\n"


def _spin_here(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


@linux_only
def test_an_instance_started_during_the_window_and_this_driver_are_counted_apart() -> None:
    pids: list[int] = []
    meter = cpu.CpuMeter(lambda: pids, interval=0.05)
    meter.start()
    # Spins half a second of CPU, then waits (alive) until told to end: stop() must see it to count it.
    instance = subprocess.Popen([sys.executable, "-c", SPIN.format(seconds=0.5) + "import sys\nsys.stdin.read()\n"],
                                stdin=subprocess.PIPE)
    try:
        pids.append(instance.pid)
        _spin_here(0.3)
        for _ in range(400):  # up to about 20 s on a busy machine
            reading = cpu._process_cpu(str(instance.pid))
            if reading is not None and reading[2] >= 0.3:
                break
            time.sleep(0.05)
        seconds = meter.stop()
    finally:
        assert instance.stdin is not None
        instance.stdin.close()
        instance.wait()

    assert seconds is not None
    assert seconds["instances"] >= 0.3  # what it spun, all of it: it started after the window opened
    assert seconds["driver"] >= 0.1
    assert seconds["busy_s"] >= seconds["instances"] + seconds["driver"] - 0.1  # the machine's total includes them
    assert seconds["other"] >= 0.0


def test_figures_per_message() -> None:
    seconds = {"wall_s": 10.0, "busy_s": 15.0, "instances": 9.0, "postgresql": 3.0, "redis": 0.5, "driver": 1.0, "other": 1.5}
    figures = cpu.per_message(seconds, 300, 2)
    assert figures == {
        "instances_ms": 30.0, "postgresql_ms": 10.0, "redis_ms": 1.67, "driver_ms": 3.33, "other_ms": 5.0,
        "total_ms": 50.0, "machine_busy": 0.75,
    }
    assert cpu.per_message(None, 300, 2) is None
    assert cpu.per_message(seconds, 0, 2) is None
