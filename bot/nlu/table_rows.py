"""The sentence encoder's embedding table, on disk, a row brought into memory the first time a text uses it.

The encoder's table has a row for each of its 128,000 word pieces, in sixteen languages: 65 MB of uint8
that the encoder package holds in memory whole. A support desk's texts use a few thousand of them (all of
CLINC150's 23,700 English queries: 6,600; the demo knowledge base and its cases: under 2,000), so each
bot process held some 60 MB it never read. `RowsOnDemand` writes the table to an unnamed temporary file
once, when the encoder loads, and keeps in memory only the rows that a text has used, read from the file
when first needed (a few microseconds each: a training reads its corpus's rows once; a message afterwards
seldom needs a new one). The file's pages sit in the kernel's page cache, which the kernel may drop under
memory pressure and read again; they are not part of the process's own memory.
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

_FIRST_CAPACITY = 1024  # rows; the store doubles as texts bring new pieces


class RowsOnDemand:
    """A read-only table of `shape` rows, indexed like the array it stands for (`table[ids]`).

    Several threads may read at once (a corpus is embedded on two, a message meanwhile on the event
    loop): rows are added under a lock, and a row's slot is published only once its bytes are stored.
    """

    def __init__(self, file: IO[bytes], shape: tuple[int, int], dtype: np.dtype) -> None:
        self._file = file  # kept open: the file has no name, and closing it deletes it
        self._rows, self._width = shape
        self._dtype = np.dtype(dtype)
        self._row_bytes = self._width * self._dtype.itemsize
        self._slot = np.full(self._rows, -1, dtype=np.int64)  # row id -> its index in _store, -1: not read
        self._store = np.empty((_FIRST_CAPACITY, self._width), dtype=self._dtype)
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
        slots = self._slot[ids]
        if (slots < 0).any():
            self._read(np.unique(ids[slots < 0]))
            slots = self._slot[ids]
        return self._store[slots]

    def _read(self, ids: np.ndarray) -> None:
        with self._lock:
            ids = ids[self._slot[ids] < 0]  # another thread may have read some meanwhile
            if not len(ids):
                return
            store = self._store
            if self._count + len(ids) > len(store):
                grown = np.empty((max(2 * len(store), self._count + len(ids)), self._width), dtype=self._dtype)
                grown[: self._count] = store[: self._count]
                store = grown
            fd = self._file.fileno()
            for n, row in enumerate(ids.tolist()):
                data = os.pread(fd, self._row_bytes, row * self._row_bytes)
                if len(data) != self._row_bytes:
                    raise OSError(f"the encoder's table file ends before row {row}")
                store[self._count + n] = np.frombuffer(data, dtype=self._dtype)
            # Readers index _store with slots they read from _slot: the rows are in the store they will
            # find before any reader can see the new slots.
            self._store = store
            self._slot[ids] = np.arange(self._count, self._count + len(ids))
            self._count += len(ids)


def rows_on_demand(table: np.ndarray) -> RowsOnDemand | np.ndarray:
    """`table` moved to a temporary file and read back a row at a time; `table` itself if no temporary
    file can be written (the memory is then kept, as before, and a warning says why)."""
    try:
        file = tempfile.TemporaryFile(prefix="supportbot-encoder-")
    except OSError as exc:
        log.warning("the sentence encoder keeps its whole table in memory (65 MB): no temporary file: %s", exc)
        return table
    try:
        np.ascontiguousarray(table).tofile(file)
        file.flush()
    except OSError as exc:
        file.close()
        log.warning("the sentence encoder keeps its whole table in memory (65 MB): writing %s failed: %s",
                    tempfile.gettempdir(), exc)
        return table
    return RowsOnDemand(file, table.shape, table.dtype)
