"""The sentence encoder's embedding table, on disk, a row brought into memory the first time a text uses it.

The encoder's table has a row for each of its 128,000 word pieces, in sixteen languages: 65 MB of uint8
that the encoder package holds in memory whole. A support desk's texts use a few thousand of them (all of
CLINC150's 23,700 English queries: 6,583; the demo knowledge base and its cases: under 2,000), so each
bot process held some 60 MB it never read. `rows_on_demand` writes the table to an unnamed temporary
file once, when the encoder loads, and `RowsOnDemand` keeps in memory only the rows that a text has
used, read from the file when first needed.

The file is written through to the disk and then dropped from the kernel's page cache, so the memory is
given back, not moved into the cache: the rows read later come back from the disk (a training reads its
corpus's rows once, in order, which the kernel's read-ahead serves in a few tens of milliseconds; a
message afterwards seldom needs a new row). A `TMPDIR` on a RAM file system (tmpfs) keeps the file in
memory however it is written: there the table costs what it did before, plus the rows read.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
from typing import IO

import numpy as np

__all__ = ["RowsOnDemand", "rows_on_demand"]

log = logging.getLogger(__name__)

FIRST_CAPACITY = 1024  # rows; the store doubles as texts bring new pieces


class RowsOnDemand:
    """A read-only 2-D table whose rows are read from `file` when first asked for: `table[ids]`, with
    `ids` a 1-D array of row numbers (what the encoder does with its table, and all this supports).

    Several threads may read at once (a corpus is embedded on two, a message meanwhile on the event
    loop): rows are added under a lock.
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
        ids = np.asarray(ids, dtype=np.int64)
        if ids.ndim != 1 or (len(ids) and (ids.min() < 0 or ids.max() >= self._rows)):
            raise IndexError(f"row numbers must be a 1-D array within 0..{self._rows - 1}")
        slots = self._slot[ids]
        if (slots < 0).any():
            self._read(np.unique(ids[slots < 0]))
            slots = self._slot[ids]
        # _slot is read before _store: a slot is published only after the store holding its row is (see
        # _read), and every later store holds every earlier row. (That order holds under the GIL.)
        return self._store[slots]

    def _read(self, ids: np.ndarray) -> None:
        with self._lock:
            ids = ids[self._slot[ids] < 0]  # another thread may have read some meanwhile
            if not len(ids):
                return
            store, first = self._store, self._count
            if first + len(ids) > len(store):
                store = np.empty((max(2 * len(store), first + len(ids)), self._width), dtype=self._dtype)
                store[:first] = self._store[:first]
            fd = self._file.fileno()
            for n, row in enumerate(ids.tolist()):  # in row order, ids being sorted: read-ahead helps
                data = os.pread(fd, self._row_bytes, row * self._row_bytes)
                if len(data) != self._row_bytes:
                    raise OSError(f"the table's file ends before row {row}")
                store[first + n] = np.frombuffer(data, dtype=self._dtype)
            self._store = store
            self._count = first + len(ids)
            self._slot[ids] = np.arange(first, first + len(ids), dtype=np.int32)

    def close(self) -> None:
        """Delete the file (the table can no longer read new rows)."""
        self._file.close()


def rows_on_demand(table: np.ndarray) -> RowsOnDemand | np.ndarray:
    """`table` moved to a temporary file and read back a row at a time; `table` itself when that cannot
    be done (no temporary directory can be written, a disk full, a system without `pread`): the memory
    is then kept, as before, and a warning says why."""
    if not hasattr(os, "pread"):
        return _kept(table, "this system cannot read a file at an offset (os.pread)")
    data = np.ascontiguousarray(table)
    try:
        file = tempfile.TemporaryFile(prefix="supportbot-table-")
    except OSError as exc:
        return _kept(table, f"no temporary file: {exc}")
    try:
        file.write(memoryview(data).cast("B"))
        file.flush()
        written = os.fstat(file.fileno()).st_size
        if written != data.nbytes:
            raise OSError(f"{written} of {data.nbytes} bytes written")
        getattr(os, "fdatasync", os.fsync)(file.fileno())  # on the disk: the cached pages are clean ...
        if hasattr(os, "posix_fadvise"):  # ... and can be given back now
            os.posix_fadvise(file.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
    except OSError as exc:
        file.close()
        return _kept(table, f"writing it to {tempfile.gettempdir()} failed: {exc}")
    return RowsOnDemand(file, data.shape, data.dtype)


def _kept(table: np.ndarray, why: str) -> np.ndarray:
    log.warning("a %.0f MB table stays in memory whole: %s", table.nbytes / 2**20, why)
    return table
