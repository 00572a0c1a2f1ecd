"""Memory the process freed goes back to the operating system (glibc), so training does not leave the
bot's resident size at its worst moment's high-water mark.

glibc serves a large allocation with a mapping of its own and unmaps it when freed, but each time such a
block is freed it raises the size from which it does so, up to 32 MB (its "dynamic mmap threshold").
Training the matcher allocates and frees many numpy arrays of a few to tens of megabytes: after the
first ones most come from the heap, and the heap keeps what was freed. Training on CLINC150 peaked at
410-440 MB resident while what it held at once never passed about 370 MB.

A fixed threshold of 16 MB hands the training's large arrays back as soon as they are freed and keeps
smaller ones, the matcher's per-message arrays among them, on the heap, where they are reused without a
system call: 393-398 MB on CLINC150 (`benchmarks/clinc150.py`, README "Measured accuracy and speed"; 4 MB
gave 372-382 MB but made training 5,000 intents 18% slower, every large array a fresh mapping). The
`supportbot` command sets it at start; the benchmarks do the same, so they measure the process the bot
runs.

Fixing the mmap threshold also fixes the "trim threshold" at glibc's default of 128 kB: once the free
memory at the top of the heap passes it, a free gives it back to the system. A message to a knowledge
base of thousands of intents allocates and frees temporaries of a few megabytes, from the heap now: each
free gave them back and each next message faulted them in again, which made a matcher loaded from the
model cache (whose heap has no free holes left by training) slower per message (5,000 intents:
`cached_p99_ms` 5.2-5.6 against 3.9-4.6 ms after training). The trim threshold is 4 MB instead, and the
dense block of `bot/nlu/sampled_svm.py` is read in 1 MB slices so that a message's temporaries stay under
it; 32 MB, glibc's own ratio, cost 10-22 MB of peak resident size on CLINC150.

An operator who tunes glibc's allocator (`MALLOC_*` variables, `GLIBC_TUNABLES`) is left alone.
"""

from __future__ import annotations

import ctypes
import logging
import os

log = logging.getLogger(__name__)

MMAP_THRESHOLD = 16 * 1024 * 1024
"""Allocations from this size up get a mapping of their own, given back when freed."""
TRIM_THRESHOLD = 4 * 1024 * 1024
"""Free memory at the top of the heap is kept for reuse up to this size, not given back at every free."""
_M_TRIM_THRESHOLD = -1  # mallopt's parameter numbers, from glibc's malloc.h
_M_MMAP_THRESHOLD = -3


def fix_malloc_thresholds() -> bool:
    """Fix glibc's mmap threshold at `MMAP_THRESHOLD` and its trim threshold at `TRIM_THRESHOLD`; whether
    the mmap threshold was set (not on another C library, and not when the environment already tunes
    glibc's allocator). A refused trim threshold is only logged: the mmap threshold works without it."""
    if any(name.startswith("MALLOC_") for name in os.environ) or "malloc" in os.environ.get("GLIBC_TUNABLES", ""):
        return False
    try:
        libc = ctypes.CDLL(None)  # the C library this process already runs on
    except OSError:
        return False
    if not hasattr(libc, "gnu_get_libc_version") or not hasattr(libc, "mallopt"):  # musl, macOS, Windows
        return False
    libc.mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    libc.mallopt.restype = ctypes.c_int
    if libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) != 1:
        log.debug("memory: glibc refused the mmap threshold")
        return False
    if libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD) != 1:
        log.debug("memory: glibc refused the trim threshold")
    return True
