"""Small pieces of the hand-off: anger markers, cancel words, agents' lines, the schema, the CLI queue."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bot.engine.handoff import anger_score, is_angry, is_cancel
from bot.storage import Database
from bot.storage.models import Base
from tests.conftest import ROOT


@pytest.mark.parametrize(
    "text",
    [
        "我要投诉", "你们的服务太差了", "差评！", "我要客訴", "服務爛透了，我要退錢", "怎么回事？？？还没修好！！",
        "terrible service", "This is ridiculous", "is this a scam?", "still not fixed, useless", "I want to complain",
        "How many times do I have to call?!!", "我对维修结果很不满意",
    ],
)
def test_anger_and_complaints_are_recognised(text: str) -> None:
    assert is_angry(text), anger_score(text)


@pytest.mark.parametrize(
    "text",
    [
        "保修期多久", "How long is the warranty?", "why is the screen black", "还没修好吗", "到底差不多要多久",
        "手机垃圾清理怎么用", "the screen is bad", "Why?!", "换电池多少钱", "", None,
    ],
)
def test_ordinary_questions_are_not_anger(text: str | None) -> None:
    assert not is_angry(text), anger_score(text)


@pytest.mark.parametrize("text", ["取消人工", "返回機器人", "Back to bot!", "back to the bot please", "不用人工了", "cancel"])
def test_cancel_words(text: str) -> None:
    assert is_cancel(text)


@pytest.mark.parametrize("text", ["我想取消预约", "cancel my booking", "机器人能修吗", "how do I get back my data", ""])
def test_not_cancel_words(text: str) -> None:
    assert not is_cancel(text)


async def test_the_migrations_match_the_models(database_url: str) -> None:
    database = await Database.connect(database_url)
    try:
        async with database.engine.connect() as connection:
            diff = await connection.run_sync(lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata))
    finally:
        await database.close()
    mine = [d for d in diff if any(name in repr(d) for name in ("escalation", "handoff_outbox"))]
    assert mine == []


def test_cli_queue_shows_status_and_due_time(small_kb: Path, tmp_path: Path) -> None:
    import os

    db = f"sqlite+aiosqlite:///{tmp_path / 'q.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "KNOWLEDGE_", "BOT_"))}
    chat = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--kb", str(small_kb), "--db", db],
        input="我要投诉\n", capture_output=True, text=True, cwd=ROOT, env=env, timeout=120,
    )
    assert chat.returncode == 0, chat.stderr
    queue = subprocess.run([sys.executable, "-m", "bot", "queue", "--db", db], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert queue.returncode == 0, queue.stderr
    [line] = [line for line in queue.stdout.splitlines() if line.startswith("#")]
    assert "p2 waiting" in line and "complaint" in line and "console:local" in line and " due 20" in line


def test_one_backoff_policy_keeps_each_loop_s_delays() -> None:
    import datetime as dt

    from bot.backoff import AGENT_MESSAGE, CONSOLE_DATABASE, DESK_EVENT, SMS_SEND, Backoff
    from bot.channels.console.chat import RETRY_DELAYS
    from bot.handoff.service import RETRY_BACKOFF

    assert RETRY_BACKOFF == AGENT_MESSAGE.delays == (30, 60, 120, 300, 600, 1800)
    assert [AGENT_MESSAGE.after(n) for n in (0, 1, 6, 99)] == [dt.timedelta(seconds=s) for s in (30, 30, 1800, 1800)]
    assert [DESK_EVENT.seconds(n) for n in range(1, 8)] == [5, 15, 60, 120, 300, 600, 600]
    assert SMS_SEND.delays == (5, 10, 20, 40, 80, 160, 320, 640, 900)
    assert RETRY_DELAYS == CONSOLE_DATABASE.delays == (1, 2, 4, 8, 15, 30)
    assert Backoff.doubling(1, 4).delays == (1, 2, 4)
    with pytest.raises(ValueError):
        Backoff(())
