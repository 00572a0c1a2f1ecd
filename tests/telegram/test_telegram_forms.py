"""A form written only in YAML, filled in over Telegram in English: buttons, a question in between, the ticket."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.runtime import build_runtime
from bot.storage.forms import FORM_TICKETS, FormSubmission
from tests.conftest import SMALL_FAQ
from tests.fakes.telegram_api import FakeTelegramAPI, html_to_text
from tests.forms.conftest import FAULT_FORM
from tests.support import Clock
from tests.telegram.conftest import TelegramHarness, make_settings, polling

GRACE = 3001


@pytest.fixture
async def tg(tmp_path: Path) -> AsyncIterator[TelegramHarness]:
    kb = tmp_path / "kb"
    (kb / "faq").mkdir(parents=True)
    (kb / "faq" / "small.yaml").write_text(SMALL_FAQ, encoding="utf-8")
    (kb / "forms").mkdir()
    (kb / "forms" / "reports.yaml").write_text(FAULT_FORM, encoding="utf-8")
    async with FakeTelegramAPI() as api:
        runtime = await build_runtime(make_settings(api, tmp_path, knowledge_dir=kb), clock=Clock())
        try:
            async with polling(api, runtime) as harness:
                yield harness
        finally:
            await runtime.close()


async def test_yaml_form_over_telegram(tg: TelegramHarness) -> None:
    [intro, account] = await tg.say(GRACE, "my home internet is down", expect=2)
    assert "Report a broadband fault, 4 questions" in html_to_text(intro["text"])
    assert html_to_text(account["text"]) == "Your broadband account number?"
    [symptom] = await tg.say(GRACE, "<b>AC-42</b>")  # shown back escaped, never as markup
    assert symptom.button_texts == ["No connection at all", "Very slow", "Keeps dropping"]
    assert symptom.button("Very slow")["callback_data"] == "q:fm.symptom.1"
    [answer, again] = await tg.say(GRACE, "How long is the warranty?", expect=2)
    assert html_to_text(answer["text"]) == "The whole device has a two-year warranty."
    assert again.button_texts == symptom.button_texts
    _, [visit] = await tg.press(GRACE, again, "Keeps dropping", expect=1)
    _, [phone] = await tg.press(GRACE, visit, "Skip", expect=1)
    [summary] = await tg.say(GRACE, "13800138000")
    assert "&lt;b&gt;AC-42&lt;/b&gt;" in summary["text"] and "Keeps dropping" in html_to_text(summary["text"])
    _, [done, queued] = await tg.press(GRACE, summary, "Submit", expect=2)
    ticket = FORM_TICKETS.find(html_to_text(done["text"]))
    assert ticket is not None and "an engineer will call +86 138 0013 8000" in html_to_text(done["text"])
    assert ticket in html_to_text(queued["text"])
    async with tg.runtime.database.sessions() as session:
        [stored] = (await session.scalars(select(FormSubmission))).all()
    assert stored.ticket == ticket and stored.channel == "telegram" and stored.answers["symptom"] == 2
    _, [back] = await tg.press(GRACE, queued, queued.button_texts[0], expect=1)  # back to the assistant
    [status] = await tg.say(GRACE, f"any news on {ticket}?")
    assert ticket in html_to_text(status["text"]) and "waiting to be handled" in html_to_text(status["text"])
