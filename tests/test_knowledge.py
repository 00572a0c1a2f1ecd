"""The FAQ loader: valid files load, every kind of mistake is reported with file, line and entry id."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.knowledge import KnowledgeErrors, load_knowledge

GOOD_ENTRY = """\
- id: a.one
  questions: [保修多久, warranty]
  answer: {zh-Hans: 两年, zh-Hant: 兩年, en: two years}
"""


def write(directory: Path, name: str, text: str) -> Path:
    (directory / "faq").mkdir(parents=True, exist_ok=True)
    path = directory / "faq" / name
    path.write_text(text, encoding="utf-8")
    return path


def errors_of(directory: Path) -> list[str]:
    with pytest.raises(KnowledgeErrors) as caught:
        load_knowledge(directory)
    return [str(e) for e in caught.value.errors]


def test_small_knowledge_base_loads_with_builtins(small_kb: Path) -> None:
    kb = load_knowledge(small_kb)
    assert len(kb.operator_entries) == 5
    assert kb.question_count == 30
    ids = {e.id for e in kb.entries}
    assert {"smalltalk.greeting", "smalltalk.thanks", "smalltalk.goodbye", "handoff.human"} <= ids
    entry = kb.entry("warranty.period")
    assert entry is not None and entry.answer["zh-Hant"] == "整機保固兩年。"
    assert entry.source.endswith("small.yaml:1")
    assert kb.entry("complaint").handoff == "complaint"  # type: ignore[union-attr]


def test_operator_entry_overrides_builtin(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", GOOD_ENTRY + """\
- id: smalltalk.greeting
  questions: [hi]
  answer: {zh-Hans: 嗨, zh-Hant: 嗨, en: Hi from the operator}
""")
    kb = load_knowledge(tmp_path)
    greeting = kb.entry("smalltalk.greeting")
    assert greeting is not None and greeting.answer["en"] == "Hi from the operator" and not greeting.builtin


def test_duplicate_id_names_both_places(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", GOOD_ENTRY)
    write(tmp_path, "b.yaml", "# comment\n" + GOOD_ENTRY)
    [error] = errors_of(tmp_path)
    assert "b.yaml:2 [a.one]: duplicate id" in error and "a.yaml:1" in error


def test_entry_problems_are_all_reported(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", """\
- id: x.empty
  questions: []
  answer: {zh-Hans: a, zh-Hant: b, en: c}
- id: x.lang
  questions: [q]
  answer: {zh-Hans: a, en: c, fr: d}
- id: x.unknown
  questions: [q]
  answer: {zh-Hans: a, zh-Hant: b, en: c}
  answers: typo
- id: x.handoff
  questions: [q]
  answer: {zh-Hans: a, zh-Hant: b, en: c}
  handoff: maybe
- questions: [q]
  answer: {zh-Hans: a, zh-Hant: b, en: c}
""")
    errors = "\n".join(errors_of(tmp_path))
    assert "a.yaml:1 [x.empty]: questions is empty" in errors
    assert "a.yaml:4 [x.lang]: answer is missing language zh-Hant" in errors
    assert "unknown language 'fr'" in errors
    assert "a.yaml:7 [x.unknown]: unknown key 'answers'" in errors
    assert "a.yaml:11 [x.handoff]: handoff must be one of human, complaint" in errors
    assert "a.yaml:15: entry #5: id must be text" in errors


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    write(tmp_path, "broken.yaml", GOOD_ENTRY + "- id: b\n  questions: [unclosed\n")
    [error] = errors_of(tmp_path)
    assert "broken.yaml:" in error and "invalid YAML" in error


def test_duplicate_key_in_one_entry(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", GOOD_ENTRY + "  questions: [again]\n")
    [error] = errors_of(tmp_path)
    assert "a.yaml:" in error and "duplicate key 'questions'" in error


def test_file_that_is_not_a_list(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "id: a\nquestions: [q]\n")
    [error] = errors_of(tmp_path)
    assert "a.yaml:1: a FAQ file must be a YAML list of entries" in error


def test_binary_file_and_missing_directory(tmp_path: Path) -> None:
    path = write(tmp_path, "a.yaml", "")
    path.write_bytes(b"\xff\xfe\x00binary")
    [error] = errors_of(tmp_path)
    assert "not UTF-8" in error
    assert "knowledge directory not found" in errors_of(tmp_path / "nope")[0]
    empty = tmp_path / "empty"
    (empty / "faq").mkdir(parents=True)
    assert "no FAQ files" in errors_of(empty)[0]


def test_operator_lexicon_is_validated(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", GOOD_ENTRY)
    (tmp_path / "lexicon.yaml").write_text("- [保修, warranty]\n- [lonely]\n", encoding="utf-8")
    [error] = errors_of(tmp_path)
    assert "lexicon.yaml" in error and "synonym group #2" in error
    (tmp_path / "lexicon.yaml").write_text("- [保修, 保固期, warranty]\n", encoding="utf-8")
    kb = load_knowledge(tmp_path)
    assert frozenset({"保修", "保固期", "warranty"}) in kb.synonyms


def test_demo_knowledge_base_is_complete() -> None:
    kb = load_knowledge(Path(__file__).resolve().parent.parent / "knowledge")
    assert len(kb.operator_entries) >= 40
    for entry in kb.operator_entries:
        assert len(entry.questions) >= 5, entry.id
        assert set(entry.title) == {"zh-Hans", "zh-Hant", "en"}, entry.id
    brand_free = " ".join(e.answer[lang] for e in kb.entries for lang in e.answer)
    for company in ("惠普", "戴尔", "华为", "長城", "长城", "富士通", "华硕", "方正", "电信", "HP", "Dell", "Huawei"):
        assert company not in brand_free


def test_bare_yes_is_explained(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "- id: a\n  questions: [q]\n  answer: {zh-Hans: 可以, zh-Hant: 可以, en: yes}\n")
    [error] = errors_of(tmp_path)
    assert "a.yaml:1 [a]: answer en reads as true: put the text in quotes" in error


def test_a_question_mark_inside_braces_is_text_as_in_yaml_1_2(tmp_path: Path) -> None:
    """bot/knowledge/yamlfile.py adapts PyYAML's plain-scalar scanner: this is the behaviour it adds."""
    from bot.knowledge.yamlfile import read_yaml

    path = tmp_path / "q.yaml"
    path.write_text("a: {en: Your account number?, b: what? yes}\nc: [x?, y]\nd: Is it? ok\n? k\n: v\n", encoding="utf-8")
    document, errors = read_yaml(path)
    assert errors == []
    assert document["a"]["en"] == "Your account number?" and document["a"]["b"] == "what? yes"
    assert document["c"] == ["x?", "y"] and document["d"] == "Is it? ok" and document["k"] == "v"
    path.write_text("a: {en: x?\nb: 1\n", encoding="utf-8")  # an unclosed mapping is still an error, with its line
    document, errors = read_yaml(path)
    assert document is None and len(errors) == 1 and errors[0].line is not None and "invalid YAML" in errors[0].message


def test_libyaml_and_the_python_reader_read_a_file_alike(tmp_path: Path) -> None:
    """The C parser reads the files; the Python one words the errors (tests above); both record lines alike."""
    import yaml

    from bot.knowledge import yamlfile

    text = (
        "- id: a\n  questions: [x, y]\n  answer: {zh-Hans: 好, en: ok}\n"
        "- id: b\n  when: 2026-03-01\n  nested:\n    deep: {k: v}\n"
    )
    path = tmp_path / "kb.yaml"
    path.write_text(text, encoding="utf-8")
    fast, errors = yamlfile.read_yaml(path)
    slow = yaml.load(text, Loader=yamlfile._LineLoader)  # noqa: S506 - a safe constructor
    assert not errors and fast == slow
    assert [entry.key_lines for entry in fast] == [entry.key_lines for entry in slow]
    assert fast[1]["nested"][yamlfile.LINE_KEY] == 7
    # "?" ending an unquoted text inside {...}, as the README's forms write questions.
    path.write_text("- ask: {zh-Hans: 账号？, en: Your account number?}\n", encoding="utf-8")
    parsed, errors = yamlfile.read_yaml(path)
    assert not errors and parsed[0]["ask"]["en"] == "Your account number?"


def test_the_operators_off_topic_list_is_loaded_and_validated(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", GOOD_ENTRY)
    assert load_knowledge(tmp_path).off_topic == ()
    (tmp_path / "off_topic.yaml").write_text(
        "- 帮我订一张机票\n- can you lend me money\n- no\n- 12:30\n- 0123\n- '天气: 晴'\n", encoding="utf-8"
    )
    # Read as written: not YAML 1.1's false, 750 and 83.
    assert load_knowledge(tmp_path).off_topic == ("帮我订一张机票", "can you lend me money", "no", "12:30", "0123", "天气: 晴")
    (tmp_path / "off_topic.yaml").write_text(
        "- 帮我订一张机票\n- {text: 天气?}\n-\n- " + "长" * 501 + "\n- 天气: 晴\n- null\n- ''\n", encoding="utf-8"
    )
    errors = errors_of(tmp_path)
    assert any("off_topic.yaml:2" in e and "item #2 must be a message on its own" in e for e in errors), errors
    assert any("off_topic.yaml:3" in e and "item #3 is empty" in e for e in errors), errors
    assert any("off_topic.yaml:6" in e and "item #6 is empty" in e for e in errors), errors
    assert any("off_topic.yaml:7" in e and "item #7 is empty" in e for e in errors), errors
    assert any("off_topic.yaml:4" in e and "item #4 is longer than 500 characters" in e for e in errors), errors
    assert any("off_topic.yaml:5" in e and "item #5 must be a message on its own (quote it" in e for e in errors), errors
    (tmp_path / "off_topic.yaml").write_text("weather: 天气\n", encoding="utf-8")
    assert any("off_topic.yaml:1" in e and "YAML list of customer messages" in e for e in errors_of(tmp_path))
    (tmp_path / "off_topic.yaml").write_text("- 订机票\n- [帮我订\n", encoding="utf-8")
    assert any("off_topic.yaml:3" in e and "invalid YAML" in e for e in errors_of(tmp_path)), errors_of(tmp_path)
    (tmp_path / "off_topic.yaml").write_text("- 订机票\n", encoding="utf-8")
    (tmp_path / "off_topic.yml").write_text("- 订酒店\n", encoding="utf-8")
    assert any("off_topic.yml" in e and "keep one off-topic file" in e for e in errors_of(tmp_path))


def test_an_off_topic_message_that_would_fight_an_intent_is_left_out_and_said(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", GOOD_ENTRY)
    (tmp_path / "off_topic.yaml").write_text("- 帮我订一张机票\n- 保修多久啊\n- two years!\n- '!!!'\n", encoding="utf-8")
    kb = load_knowledge(tmp_path)
    assert kb.off_topic == ("帮我订一张机票",)  # what the matcher trains
    warnings = [str(w) for w in kb.warnings if "off_topic.yaml" in str(w.file)]
    assert any("off_topic.yaml:2:" in w and "'保修多久啊' is too close to '保修多久' (intent a.one)" in w for w in warnings), warnings
    assert any("off_topic.yaml:3:" in w and "'two years' (intent a.one)" in w for w in warnings), warnings  # an answer
    assert any("off_topic.yaml:4:" in w and "has no words to match" in w for w in warnings), warnings
