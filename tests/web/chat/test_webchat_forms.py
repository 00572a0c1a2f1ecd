"""The booking and the operator's YAML forms through the widget's buttons (the demo knowledge base)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support import DEMO_KB, use_cached_matcher
from tests.web.chat.conftest import Chat, open_chat


@pytest.fixture
async def demo_chat(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Chat]:
    use_cached_matcher(monkeypatch)
    async with open_chat(f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}", DEMO_KB) as chat:
        yield chat


async def test_booking_buttons_round_trip_through_the_widget(demo_chat: Chat) -> None:
    token = await demo_chat.session()
    events = (await (await demo_chat.act(token, "menu||book", "Book a repair")).json())["events"]
    options = events[-1]["options"]
    assert options and all(o["action"].count("|") >= 2 for o in options)
    chosen = options[0]
    after = (await (await demo_chat.act(token, chosen["action"], chosen["label"])).json())["events"]
    assert after[0]["text"] == chosen["label"]
    assert after[-1]["sender"] == "bot" and after[-1]["kind"] != "stale"
    # The same button pressed again later is from an old message: the engine says so, nothing else happens.
    again = (await (await demo_chat.act(token, options[0]["action"], options[0]["label"])).json())["events"]
    assert again[-1]["sender"] == "bot" and "earlier question" in again[-1]["text"]
    assert again[-1]["options"]  # the current question asked again, with its own buttons
