"""The model cache: an unchanged knowledge base loads instead of training, anything changed retrains, and a
broken cache never stops the bot."""

from __future__ import annotations

import logging
import pickle
import shutil
from pathlib import Path

import pytest

from bot.knowledge.faq import load_knowledge
from bot.nlu import cache, semantic
from bot.nlu.cache import cache_key, load_or_train
from bot.nlu.matcher import IntentMatcher

KB_YAML = """
- id: warranty.period
  questions: [保修期多长时间, 手机保修几年, 笔记本保修多久, 保修从哪天开始算, "How long is the warranty?"]
  answer: {zh-Hans: 整机保修一年。, zh-Hant: 整機保固一年。, en: "One year."}
- id: repair.battery_price
  questions: [换电池多少钱, 手机电池更换价格, 电池不耐用了可以换吗, 笔记本电池换一块要多少钱, battery replacement price]
  answer: {zh-Hans: 199元。, zh-Hant: 199元。, en: "It is 199."}
- id: broadband.slow
  questions: [网速特别慢是什么原因, 宽带测速达不到签约速率, 晚上上网特别卡, 看视频一直缓冲, my internet is slow]
  answer: {zh-Hans: 请重启光猫。, zh-Hant: 請重啟數據機。, en: "Restart the modem."}
"""
MESSAGES = ["保修多久", "电池换一个多少钱", "internet very slow tonight", "今天天气怎么样"]


def _kb(directory: Path, text: str = KB_YAML) -> Path:
    (directory / "faq").mkdir(parents=True, exist_ok=True)
    (directory / "faq" / "kb.yaml").write_text(text, encoding="utf-8")
    return directory


def _verdicts(matcher: IntentMatcher) -> list[tuple]:
    return [(r.decision, [(c.intent_id, round(c.confidence, 6)) for c in r.candidates]) for r in map(matcher.match, MESSAGES)]


@pytest.fixture()
def no_training(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Makes any training fail the test: what a cache hit must not do."""
    def refuse(*args: object, **kwargs: object) -> IntentMatcher:
        raise AssertionError("trained although the cache holds this knowledge base's model")

    def arm() -> None:
        monkeypatch.setattr(IntentMatcher, "from_knowledge", classmethod(lambda cls, *a, **k: refuse()))

    return arm


def test_unchanged_knowledge_loads_the_same_matcher_without_training(tmp_path: Path, no_training) -> None:  # type: ignore[no-untyped-def]
    kb = load_knowledge(_kb(tmp_path / "kb"))
    first: dict[str, object] = {}
    trained = load_or_train(kb, cache_dir=tmp_path / "cache", report=first)
    assert first["hit"] is False and Path(str(first["path"])).is_file()
    assert not list((tmp_path / "cache").glob(".tmp-*")), "the temporary file was renamed into place"
    no_training()
    again: dict[str, object] = {}
    loaded = load_or_train(load_knowledge(tmp_path / "kb"), cache_dir=tmp_path / "cache", report=again)
    assert again["hit"] is True
    assert _verdicts(loaded) == _verdicts(trained)
    assert loaded.threshold == trained.calibrated_threshold


def test_the_encoder_is_loaded_before_the_cached_model_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Loading the encoder holds its whole table for a moment: before a large model is in memory, not on top of it."""
    kb = load_knowledge(_kb(tmp_path / "kb"))
    load_or_train(kb, cache_dir=tmp_path / "cache")
    order: list[str] = []
    monkeypatch.setattr(semantic, "load_encoder", lambda: order.append("encoder"))
    read = cache._read
    monkeypatch.setattr(cache, "_read", lambda *args: (order.append("model"), read(*args))[1])
    report: dict[str, object] = {}
    load_or_train(kb, cache_dir=tmp_path / "cache", report=report)
    assert report["hit"] is True and order == ["encoder", "model"]


def test_threshold_is_applied_after_loading(tmp_path: Path, no_training) -> None:  # type: ignore[no-untyped-def]
    kb = load_knowledge(_kb(tmp_path / "kb"))
    calibrated = load_or_train(kb, cache_dir=tmp_path / "cache").calibrated_threshold
    no_training()
    assert load_or_train(kb, threshold=0.93, cache_dir=tmp_path / "cache").threshold == 0.93
    assert load_or_train(kb, threshold=None, cache_dir=tmp_path / "cache").threshold == calibrated


def test_a_changed_knowledge_base_retrains(tmp_path: Path) -> None:
    kb = load_knowledge(_kb(tmp_path / "kb"))
    load_or_train(kb, cache_dir=tmp_path / "cache")
    changed = load_knowledge(_kb(tmp_path / "kb", KB_YAML.replace("看视频一直缓冲", "看视频老是卡住")))
    assert cache_key(changed) != cache_key(kb)
    report: dict[str, object] = {}
    load_or_train(changed, cache_dir=tmp_path / "cache", report=report)
    assert report["hit"] is False
    lexicon = tmp_path / "kb" / "lexicon.yaml"
    lexicon.write_text("- [光猫, modem]\n", encoding="utf-8")
    assert cache_key(load_knowledge(tmp_path / "kb")) != cache_key(changed), "the operator's lexicon counts"
    with_lexicon = load_knowledge(tmp_path / "kb")
    (tmp_path / "kb" / "off_topic.yaml").write_text("- 帮我订一张机票\n", encoding="utf-8")
    assert cache_key(load_knowledge(tmp_path / "kb")) != cache_key(with_lexicon), "the off-topic list counts"


def test_a_change_to_the_matcher_code_changes_the_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kb = load_knowledge(_kb(tmp_path / "kb"))
    assert (cache._NLU_PACKAGE / "features.py").is_file(), "the hashed directory is the bot.nlu package"
    package = tmp_path / "nlu"
    shutil.copytree(cache._NLU_PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache, "_NLU_PACKAGE", package)
    before = cache_key(kb)
    (package / "evaluate.py").write_text("# reports only\n", encoding="utf-8")
    assert cache_key(kb) == before, "a report-only module does not shape the model"
    with (package / "features.py").open("a", encoding="utf-8") as f:
        f.write("\n# a new feature family\n")
    assert cache_key(kb) != before
    (package / "data" / "gloss.tsv").write_text("修\trepair\n", encoding="utf-8")
    assert len({before, cache_key(kb)}) == 2


@pytest.mark.parametrize(
    "content",
    [b"", b"garbage, not a pickle", cache._MAGIC + b"\x80\x05truncated", cache._MAGIC + pickle.dumps(("other-key", 42))],
    ids=["empty", "garbage", "truncated", "foreign"],
)
def test_a_broken_cache_file_is_ignored_with_a_warning_and_replaced(
    tmp_path: Path, content: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    kb = load_knowledge(_kb(tmp_path / "kb"))
    path = cache._path(tmp_path / "cache", cache_key(kb))
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    report: dict[str, object] = {}
    with caplog.at_level(logging.WARNING, logger="bot.nlu.cache"):
        matcher = load_or_train(kb, cache_dir=tmp_path / "cache", report=report)
    assert report["hit"] is False
    assert matcher.match("保修多久").best is not None
    assert any("model cache" in r.getMessage() for r in caplog.records)
    again: dict[str, object] = {}
    load_or_train(kb, cache_dir=tmp_path / "cache", report=again)
    assert again["hit"] is True, "the broken file was replaced by a good one"


def test_an_unwritable_cache_directory_only_warns(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    kb = load_knowledge(_kb(tmp_path / "kb"))
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the cache directory should be", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="bot.nlu.cache"):
        matcher = load_or_train(kb, cache_dir=blocker / "cache")
    assert matcher.match("保修多久").best is not None
    assert any("could not write the model cache" in r.getMessage() for r in caplog.records)


def test_no_cache_directory_means_no_cache(tmp_path: Path) -> None:
    report: dict[str, object] = {}
    load_or_train(load_knowledge(_kb(tmp_path / "kb")), cache_dir=None, report=report)
    assert report == {"hit": False}
    assert not any(tmp_path.rglob("matcher-*.pkl"))


def test_old_cache_files_are_pruned(tmp_path: Path) -> None:
    directory = tmp_path / "cache"
    directory.mkdir()
    for i in range(cache.KEEP_FILES + 3):
        (directory / f"matcher-{i:040d}.pkl").write_bytes(b"old")
    load_or_train(load_knowledge(_kb(tmp_path / "kb")), cache_dir=directory)
    assert len(list(directory.glob("matcher-*.pkl"))) == cache.KEEP_FILES


@pytest.mark.parametrize(
    ("cache_dir", "database_url", "expected"),
    [
        (None, "sqlite+aiosqlite:///data/supportbot.db", Path("data/model-cache")),
        (None, "sqlite+aiosqlite:////srv/bot/db.sqlite", Path("/srv/bot/model-cache")),
        (None, "sqlite+aiosqlite:///:memory:", None),
        (None, "postgresql+asyncpg://bot@db/bot", Path("data/model-cache")),
        ("/var/cache/supportbot", "sqlite+aiosqlite:///data/supportbot.db", Path("/var/cache/supportbot")),
        ("off", "sqlite+aiosqlite:///data/supportbot.db", None),
    ],
)
def test_cache_directory_setting(cache_dir: str | None, database_url: str, expected: Path | None) -> None:
    from types import SimpleNamespace

    settings = SimpleNamespace(model_cache_dir=cache_dir, database_url=database_url)
    assert cache.cache_dir_for(settings) == expected


def test_a_cache_file_others_could_have_written_is_never_unpickled(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Loading a pickle runs code: a group- or world-writable cache (a shared directory) is not trusted."""
    kb = load_knowledge(_kb(tmp_path / "kb"))
    directory = tmp_path / "cache"
    load_or_train(kb, cache_dir=directory)
    assert directory.stat().st_mode & 0o077 == 0  # created private
    [written] = directory.glob("matcher-*.pkl")
    written.chmod(0o666)
    report: dict[str, object] = {}
    with caplog.at_level(logging.WARNING, logger="bot.nlu.cache"):
        load_or_train(kb, cache_dir=directory, report=report)
    assert report["hit"] is False
    assert any("not private" in r.getMessage() for r in caplog.records)


def test_the_runtime_uses_the_cache_and_a_hit_warms_the_glosses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    from bot.nlu import gloss
    from bot.runtime import build_runtime
    from bot.settings import load_settings

    monkeypatch.setenv("MODEL_CACHE_DIR", str(tmp_path / "cache"))
    settings = load_settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}", knowledge_dir=_kb(tmp_path / "kb"))

    async def start_and_close() -> None:
        runtime = await build_runtime(settings)
        await runtime.close()

    asyncio.run(start_and_close())
    assert len(list((tmp_path / "cache").glob("matcher-*.pkl"))) == 1
    gloss.gloss_table.cache_clear()
    asyncio.run(start_and_close())  # loaded from the cache: the gloss table is built at start-up
    assert gloss.gloss_table.cache_info().currsize == 1


def test_the_demo_knowledge_base_merges_no_small_talk() -> None:
    from tests.conftest import ROOT

    assert not any(entry.merged for entry in load_knowledge(ROOT / "knowledge").entries)
