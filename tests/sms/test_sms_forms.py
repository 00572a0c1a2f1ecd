"""A form written only in YAML, filled in by SMS in Traditional Chinese: numbered options, a restart, the ticket."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.storage.forms import FORM_TICKETS
from tests.conftest import SMALL_FAQ
from tests.fakes.sms_provider import FakeTwilio
from tests.forms.conftest import FAULT_FORM
from tests.sms.conftest import open_harness

TAIPEI = "+886912345678"


@pytest.fixture
def form_kb(tmp_path: Path) -> Path:
    kb = tmp_path / "kb"
    (kb / "faq").mkdir(parents=True)
    (kb / "faq" / "small.yaml").write_text(SMALL_FAQ, encoding="utf-8")
    (kb / "forms").mkdir()
    (kb / "forms" / "reports.yaml").write_text(FAULT_FORM, encoding="utf-8")
    return kb


async def test_yaml_form_by_sms_across_a_restart(database_url: str, fake_twilio: FakeTwilio, form_kb: Path) -> None:
    first, client = await open_harness(database_url, fake_twilio, knowledge_dir=form_kb)
    try:
        opening = await first.chat("幫我登記寬頻報修", TAIPEI)
        assert "寬頻故障報修" in opening and "請輸入寬頻帳號" in opening
        symptom = await first.chat("HN-0099", TAIPEI)
        assert "1 完全斷網" in symptom.replace(".", "").replace("、", " ") or "完全斷網" in symptom
    finally:
        await client.close()
        await first.runtime.close()
    second, client = await open_harness(database_url, fake_twilio, knowledge_dir=form_kb)
    try:
        interrupted = await second.chat("保固多久？", TAIPEI)
        assert "整機保固兩年" in interrupted and "是什麼情況" in interrupted
        assert "哪天方便到府" in await second.chat("3", TAIPEI)
        assert "聯絡電話" in await second.chat("跳過", TAIPEI)
        summary = await second.chat("0912 345 678", TAIPEI)
        while "確認提交" not in summary:  # a long summary comes in parts
            summary = await second.chat("更多", TAIPEI)
        done = await second.chat("確認提交", TAIPEI)
        ticket = FORM_TICKETS.find(done)
        assert ticket is not None and "+886 912 345 678" in done
        await second.sms("返回智能助手", TAIPEI)
        await second.flush()
        status = await second.chat(f"查詢 {ticket}", TAIPEI)
        assert ticket in status and "等待處理" in status and "HN-0099" in status
    finally:
        await client.close()
        await second.runtime.close()
