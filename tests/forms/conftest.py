"""A knowledge directory with one form written only in YAML (the issue's shape), and a runtime over it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.engine.types import Inbound, Outcome
from bot.runtime import Runtime, build_runtime
from bot.settings import load_settings
from tests.support import Clock

FAULT_FORM = """\
- id: broadband.fault_report
  title: {zh-Hans: 宽带故障报修, zh-Hant: 寬頻故障報修, en: Report a broadband fault}
  questions: [宽带断了要报修, 家里网络没信号了帮我报障, 帮我登记宽带报修, my home internet is down, report a broadband fault, 幫我登記寬頻報修]
  fields:
    - {id: account, type: text, ask: {zh-Hans: 请输入宽带账号, zh-Hant: 請輸入寬頻帳號, en: Your broadband account number?}}
    - id: symptom
      type: choice
      ask: {zh-Hans: 是什么情况？, zh-Hant: 是什麼情況？, en: What is happening?}
      options:
        - {zh-Hans: 完全断网, zh-Hant: 完全斷網, en: No connection at all}
        - {zh-Hans: 网速很慢, zh-Hant: 網速很慢, en: Very slow}
        - {zh-Hans: 经常掉线, zh-Hant: 經常斷線, en: Keeps dropping}
    - {id: visit, type: date, optional: true, ask: {zh-Hans: 哪天方便上门？, zh-Hant: 哪天方便到府？, en: Which day suits a visit?}}
    - {id: phone, type: phone, ask: {zh-Hans: 联系电话？, zh-Hant: 聯絡電話？, en: Your phone number?}}
  done:
    reply: {zh-Hans: "已为您登记报修，单号 {ticket}，工程师将在2小时内联系 {phone}。", zh-Hant: "已為您登記報修，單號 {ticket}，工程師將在2小時內聯絡 {phone}。", en: "Logged as {ticket}: an engineer will call {phone} within 2 hours."}
    handoff: queue
"""


@pytest.fixture
def form_kb(small_kb: Path) -> Path:
    """The small FAQ plus the broadband fault form, in a temporary knowledge directory."""
    (small_kb / "forms").mkdir()
    (small_kb / "forms" / "reports.yaml").write_text(FAULT_FORM, encoding="utf-8")
    return small_kb


class Chat:
    """One customer talking to a runtime through `Runtime.handle`, as every channel does."""

    def __init__(self, runtime: Runtime, customer: str = "alice", channel: str = "console") -> None:
        self.runtime, self.customer, self.channel = runtime, customer, channel

    async def send(self, text: str) -> Outcome:
        return await self.runtime.handle(Inbound(self.channel, self.customer, text))

    async def says(self, text: str) -> str:
        """Send `text`; all the replies' texts, one per line."""
        return "\n".join(r.text for r in (await self.send(text)).replies)


async def open_runtime(form_kb: Path, database_url: str, clock: Clock) -> Runtime:
    settings = load_settings(database_url=database_url, knowledge_dir=form_kb, brand_name="Acme Care")
    return await build_runtime(settings, clock=clock)


@pytest.fixture
async def runtime(form_kb: Path, database_url: str) -> AsyncIterator[Runtime]:
    runtime = await open_runtime(form_kb, database_url, Clock())
    try:
        yield runtime
    finally:
        await runtime.close()
