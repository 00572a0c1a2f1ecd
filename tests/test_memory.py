"""bot/memory.py: memory freed after training goes back to the operating system (glibc's mmap threshold
fixed instead of rising with every large block freed), and a few megabytes freed at the top of the heap
stay there for the next message (the trim threshold). Run in fresh processes: it is process-wide."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

# Free a 30 MB block (glibc then serves blocks up to 30 MB from its heap), allocate four of 20 MB and a
# small one after them, free the four: from the heap they stay resident (the small block keeps the heap
# from shrinking), from mappings of their own (20 MB is above the fixed threshold) they are given back.
SCRIPT = """
import sys
import numpy as np
from bot.memory import fix_malloc_thresholds

def rss_mb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) // 1024 for line in status if line.startswith("VmRSS"))

applied = fix_malloc_thresholds() if sys.argv[1] == "on" else False
first = np.ones(30 * 2**20 // 8)
del first
before = rss_mb()
blocks = [np.ones(20 * 2**20 // 8) for _ in range(4)]
small = np.ones(2**20 // 8)
del blocks
print(applied, rss_mb() - before)
"""


def _run(script: str, mode: str) -> tuple[bool, int]:
    """Run a script in a fresh Python (the settings are process-wide) with no allocator tuning of the
    environment's: whether the thresholds were set, and the figure it printed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_") and k != "GLIBC_TUNABLES"}
    done = subprocess.run([sys.executable, "-c", script, mode], capture_output=True, text=True, cwd=ROOT, env=env, timeout=60, check=True)
    applied, figure = done.stdout.split()
    return applied == "True", int(figure)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator")
def test_large_blocks_freed_are_given_back() -> None:
    applied, grown = _run(SCRIPT, "on")
    if not applied:
        pytest.skip("not glibc")
    assert grown < 20, f"{grown} MB still resident after freeing 80 MB"
    # Without it the same allocations stay resident: what the setting is for.
    _, grown_without = _run(SCRIPT, "off")
    assert grown_without > 60, grown_without


@pytest.mark.parametrize(("name", "value"), [("MALLOC_ARENA_MAX", "2"), ("GLIBC_TUNABLES", "glibc.malloc.trim_threshold=65536")])
def test_an_operator_tuned_allocator_is_left_alone(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    from bot import memory

    def refuse(*_args: object) -> object:
        raise AssertionError("mallopt must not be looked up")

    monkeypatch.setenv(name, value)
    monkeypatch.setattr(memory.ctypes, "CDLL", refuse)
    assert memory.fix_malloc_thresholds() is False


# Allocate and free a 2 MB block (from the heap: under the mmap threshold) a hundred times: with the trim
# threshold at glibc's default for a fixed mmap threshold (128 kB) every free gives the block back and
# every allocation faults its pages in again; under the trim threshold the pages are faulted in once.
# `anchor`, allocated first, is not at the top of the heap: the block is, and only the top is trimmed.
TRIM_SCRIPT = """
import resource, sys
import numpy as np
from bot import memory

applied = memory.fix_malloc_thresholds() if sys.argv[1] == "on" else False
if sys.argv[1] == "mmap-only":
    import ctypes
    ctypes.CDLL(None).mallopt(memory._M_MMAP_THRESHOLD, memory.MMAP_THRESHOLD)
anchor = np.ones(2**16)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(100):
    block = np.ones(2 * 2**20 // 8)
    del block
print(applied, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _transparent_huge_pages_always() -> bool:
    try:
        return "[always]" in open("/sys/kernel/mm/transparent_hugepage/enabled", encoding="ascii").read()
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator")
@pytest.mark.skipif(_transparent_huge_pages_always(), reason="huge pages everywhere: a 2 MB block is one fault either way")
def test_a_few_megabytes_freed_at_the_top_of_the_heap_are_kept_for_reuse() -> None:
    applied, kept = _run(TRIM_SCRIPT, "on")
    if not applied:
        pytest.skip("not glibc")
    _, trimmed = _run(TRIM_SCRIPT, "mmap-only")
    pages = 2 * 2**20 // 4096
    assert kept < 5 * pages, kept  # faulted in about once
    assert trimmed > 50 * pages, trimmed  # about once a round without the trim threshold
