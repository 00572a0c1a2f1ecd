"""The sentence encoder's embedding table, on disk, a row brought into memory the first time a text uses it.

The encoder's table has a row for each word piece of sixteen languages, and the encoder package holds it
in memory whole, while a support desk's texts use a few per cent of the pieces. `rows_on_demand` writes
the table to an unnamed temporary file once, when the encoder loads, and `RowsOnDemand` keeps in memory
only the rows that a text has used, read from the file when first needed (README, "The encoder's table
on disk", has the figures).

The file is written through to the disk and then dropped from the kernel's page cache, so the memory is
given back rather than moved into the cache; the rows read later come back from the disk, with the
kernel's read-ahead (each batch of rows is read in row order). A `TMPDIR` on a RAM file system (tmpfs)
keeps the file in memory however it is written: there the table costs what it did before, plus the rows
read.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import threading
from typing import IO

import numpy as np

__all__ = ["FIRST_CAPACITY", "RowsOnDemand", "rows_on_demand"]

log = logging.getLogger(__name__)

FIRST_CAPACITY = 1024  # rows; the store doubles as texts bring new pieces


class RowsOnDemand:
    """A read-only 2-D table whose rows are read from `file` when first asked for: `table[ids]`, with
    `ids` a 1-D integer array of row numbers (what the encoder does with its table, and all this supports).

    Several threads may read at once (a corpus is embedded on two, a message meanwhile on the event
    loop): rows are read from the file outside any lock, and stored and published under one.
    """

    def __init__(self, file: IO[bytes], shape: tuple[int, int], dtype: np.dtype) -> None:
        self._file = file  # kept open: the file has no name, and closing it deletes it
        self._rows, self._width = shape
        self._dtype = np.dtype(dtype)
        self._row_bytes = self._width * self._dtype.itemsize
        self._slot = np.full(self._rows, -1, dtype=np.int32)  # row -> its index in _store; -1: not read yet
        self._store = np.empty((FIRST_CAPACITY, self._width), dtype=self._dtype)
        self._count = 0
        self._lock = threading.Lock()

    @property
    def shape(self) -> tuple[int, int]:
        return self._rows, self._width

    @property
    def rows_in_memory(self) -> int:
        """How many distinct rows have been read so far."""
        return self._count

    def __getitem__(self, ids: np.ndarray) -> np.ndarray:
        ids = np.asarray(ids)
        if ids.ndim != 1 or (len(ids) and (ids.dtype.kind not in "iu" or ids.min() < 0 or ids.max() >= self._rows)):
            raise IndexError(f"rows are asked for as a 1-D integer array within 0..{self._rows - 1}")
        slots = self._slot[ids]
        if (slots < 0).any():
            self._read(np.unique(ids[slots < 0]))
            slots = self._slot[ids]
        # _slot is read before _store: a slot is published only after the store holding its row is (see
        # _read), and every later store holds every earlier row. (That order holds under the GIL.)
        return self._store[slots]

    def _read(self, ids: np.ndarray) -> None:
        """Read the rows `ids` (sorted, distinct) from the file and publish those still missing."""
        rows = np.empty((len(ids), self._width), dtype=self._dtype)
        fd = self._file.fileno()
        # Outside the lock: a message on the event loop needing one new row does not wait for a training
        # thread's batch. Two threads may read a row twice; only one stores it.
        for n, row in enumerate(ids.tolist()):
            data = os.pread(fd, self._row_bytes, row * self._row_bytes)
            if len(data) != self._row_bytes:
                raise OSError(f"short read at row {row} of the table's file ({len(data)} of {self._row_bytes} bytes)")
            rows[n] = np.frombuffer(data, dtype=self._dtype)
        with self._lock:
            missing = self._slot[ids] < 0  # another thread may have stored some meanwhile
            ids, rows = ids[missing], rows[missing]
            if not len(ids):
                return
            store, first = self._store, self._count
            if first + len(ids) > len(store):
                store = np.empty((max(2 * len(store), first + len(ids)), self._width), dtype=self._dtype)
                store[:first] = self._store[:first]
            store[first:first + len(ids)] = rows
            self._store = store
            self._count = first + len(ids)
            self._slot[ids] = np.arange(first, first + len(ids), dtype=np.int32)

    def close(self) -> None:
        """Delete the file: no new row can be read afterwards. Only when no thread reads (rows are read
        from the file outside the lock; the process's encoder never closes its table)."""
        self._file.close()


def rows_on_demand(table: np.ndarray) -> RowsOnDemand | np.ndarray:
    """`table` moved to a temporary file and read back a row at a time; `table` itself when that cannot
    be done (no temporary directory can be written, a full disk, a system without `pread` such as
    Windows): the memory is then kept, as before, and a warning says why."""
    if table.ndim != 2 or table.dtype.hasobject:
        return _left_in_memory(table, f"rows are read back for a 2-D table of numbers, not {table.ndim}-D {table.dtype}")
    if not hasattr(os, "pread"):
        return _left_in_memory(table, "this system cannot read a file at an offset (os.pread)")
    data = np.ascontiguousarray(table)
    try:
        file = tempfile.TemporaryFile(prefix="supportbot-table-")
    except OSError as exc:
        return _left_in_memory(table, f"no temporary file: {exc}")
    try:
        file.write(data.reshape(-1).view(np.uint8))
        file.flush()
        written = os.fstat(file.fileno()).st_size
        if written != data.nbytes:
            raise OSError(f"{written} of {data.nbytes} bytes written")
        getattr(os, "fdatasync", os.fsync)(file.fileno())  # on the disk: the cached pages are clean ...
        if hasattr(os, "posix_fadvise"):  # ... and can be given back now
            os.posix_fadvise(file.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
    except OSError as exc:
        with contextlib.suppress(OSError):  # closing flushes what is buffered, and fails the same way
            file.close()
        return _left_in_memory(table, f"writing it to {tempfile.gettempdir()} failed: {exc}")
    return RowsOnDemand(file, data.shape, data.dtype)


def _left_in_memory(table: np.ndarray, why: str) -> np.ndarray:
    log.warning("a %.0f MB table stays in memory whole: %s", table.nbytes / 2**20, why)
    return table
