"""A form written only in YAML, filled in through `supportbot chat` in Simplified Chinese, across restarts."""

from __future__ import annotations

from pathlib import Path

from bot.storage.forms import FORM_TICKETS
from tests.support import run_supportbot


def _chat(form_kb: Path, db: str, *messages: str) -> list[str]:
    result = run_supportbot("chat", "--kb", str(form_kb), "--db", db, input="\n".join(messages) + "\n")
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().split("\n\n")


def test_yaml_form_through_the_console(form_kb: Path, tmp_path: Path) -> None:
    db = f"sqlite+aiosqlite:///{tmp_path / 'chat.db'}"
    first = _chat(form_kb, db, "宽带断了要报修", "ADSL-7788")
    assert "宽带故障报修" in first[0] and "请输入宽带账号" in first[0]
    assert "是什么情况" in first[1] and "1. 完全断网" in first[1]
    # A new process: the form goes on where it was, after a question answered in between.
    second = _chat(form_kb, db, "保修几年？", "1", "跳过", "13800138000", "确认提交")
    assert "整机保修两年" in second[0] and "是什么情况" in second[0]
    assert "哪天方便上门" in second[1] and "联系电话" in second[2]
    assert "ADSL-7788" in second[3] and "完全断网" in second[3]
    ticket = FORM_TICKETS.find(second[4])
    assert ticket is not None and "工程师将在2小时内联系" in second[4]
    queue = run_supportbot("queue", "--db", db)
    assert "form" in queue.stdout and "console:local" in queue.stdout
    third = _chat(form_kb, db, "返回智能助手", f"我的单号 {ticket} 怎么样了")
    assert ticket in third[1] and "已提交，等待处理" in third[1] and "ADSL-7788" in third[1]
