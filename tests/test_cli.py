"""The command line: kb check output and exit codes, bad settings, scripted console chat."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def run_cli(*args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    import os

    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "KNOWLEDGE_", "BOT_"))}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        input=stdin,
        timeout=120,
    )


def test_kb_check_ok(small_kb: Path) -> None:
    result = run_cli("kb", "check", "--kb", str(small_kb))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("OK: 5 entries, 30 example questions, languages zh-Hans, zh-Hant, en")


def test_kb_check_reports_errors_without_traceback(tmp_path: Path) -> None:
    (tmp_path / "faq").mkdir()
    (tmp_path / "faq" / "bad.yaml").write_text("- id: a\n  questions: []\n  answer: {en: x}\n", encoding="utf-8")
    result = run_cli("kb", "check", "--kb", str(tmp_path))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "bad.yaml:1 [a]: questions is empty" in result.stderr
    assert "answer is missing language zh-Hans" in result.stderr


def test_bad_setting_is_one_clear_line(small_kb: Path) -> None:
    result = run_cli("kb", "check", "--kb", str(small_kb), env={"MATCH_THRESHOLD": "2"})
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "MATCH_THRESHOLD" in result.stderr and "Traceback" not in result.stderr
    result = run_cli("chat", env={"DATABASE_URL": "mysql://nope"}, stdin="")
    assert result.returncode == 2 and "DATABASE_URL" in result.stderr


def test_piped_chat_one_block_per_message(small_kb: Path, tmp_path: Path) -> None:
    db = f"sqlite+aiosqlite:///{tmp_path / 'chat.db'}"
    messages = "保修期多久？\nHow much is a new battery?\n保固多久\n人工\n"
    result = run_cli("chat", "--kb", str(small_kb), "--db", db, stdin=messages)
    assert result.returncode == 0, result.stderr
    blocks = result.stdout.strip().split("\n\n")
    assert len(blocks) == 4
    assert blocks[0] == "整机保修两年。"
    assert blocks[1] == "A battery replacement starts at 199 yuan."
    assert blocks[2] == "整機保固兩年。"
    assert "人工客服" in blocks[3]
    queue = run_cli("queue", "--db", db)
    assert "human" in queue.stdout and "console:local" in queue.stdout


def test_eval_prints_the_figures(small_kb: Path, tmp_path: Path) -> None:
    cases = tmp_path / "cases.jsonl"
    cases.write_text(
        '{"text": "保修期是多久啊", "expect": "warranty.period"}\n'
        '{"text": "how much for a new battery", "expect": "battery.price"}\n'
        '{"text": "明天北京的天气", "expect": null}\n',
        encoding="utf-8",
    )
    result = run_cli("eval", "--kb", str(small_kb), "--cases", str(cases), "--json")
    assert result.returncode == 0, result.stderr
    import json

    report = json.loads(result.stdout)
    assert report["n_in_scope"] == 2 and report["n_oos"] == 1
    assert 0 <= report["in_scope_accuracy"] <= 1 and 0 <= report["oos_recall"] <= 1
    assert report["p99_ms"] >= report["p50_ms"] > 0
    cases.write_text('{"text": "x", "expect": "battery.price"}\nnot json\n', encoding="utf-8")
    bad = run_cli("eval", "--kb", str(small_kb), "--cases", str(cases), "--json")
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert "cases.jsonl:2: not valid JSON" in bad.stderr
    cases.write_text('{"text": "x", "expect": "battery.prize"}\n', encoding="utf-8")
    typo = run_cli("eval", "--kb", str(small_kb), "--cases", str(cases), "--json")
    assert typo.returncode == 1 and "cases.jsonl:1" in typo.stderr and "battery.prize" in typo.stderr


def test_kb_check_covers_the_booking_catalog(tmp_path: Path) -> None:
    demo = run_cli("kb", "check")
    assert demo.returncode == 0, demo.stderr
    assert "booking: " in demo.stdout and "service centres" in demo.stdout
    (tmp_path / "faq").mkdir()
    (tmp_path / "faq" / "a.yaml").write_text("- id: a\n  questions: [q]\n  answer: {zh-Hans: a, zh-Hant: a, en: a}\n", encoding="utf-8")
    (tmp_path / "products.yaml").write_text("types: [oops\n", encoding="utf-8")
    broken = run_cli("kb", "check", "--kb", str(tmp_path))
    assert broken.returncode == 1 and "Traceback" not in broken.stderr
    assert "products.yaml" in broken.stderr
