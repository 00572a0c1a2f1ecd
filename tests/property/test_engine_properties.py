"""Any text at the engine: handled without an exception, stored exactly once as storable text, answered
or with people; a redelivery changes nothing. Runs on the demo knowledge base, booking flow included."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.engine import Inbound, InboundKind
from bot.runtime import Runtime, build_runtime
from bot.safetext import storable
from bot.settings import load_settings
from tests.property.strategies import (
    any_text,
    assert_answered,
    assert_storable,
    fresh_id,
    kept,
    languages,
    no_errors_logged,
)
from tests.support import DEMO_KB, Clock, use_cached_matcher

CHANNEL = "console"
KINDS = st.sampled_from([InboundKind.TEXT] * 4 + list(InboundKind))


async def _open(tmp_path: Path) -> Runtime:
    settings = load_settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'engine.db'}", knowledge_dir=DEMO_KB)
    return await build_runtime(settings, clock=Clock())


async def _conversation(runtime: Runtime, texts: list[str], hint: str | None, kinds: list[InboundKind]) -> None:
    customer = f"prop-{fresh_id()}"
    inbounds = []
    for text, kind in zip(texts, kinds, strict=False):
        inbound = Inbound(
            channel=CHANNEL, customer_id=customer, text=text, kind=kind, language_hint=hint,  # type: ignore[arg-type]
            display_name=text[:64] or None, external_id=f"m-{uuid.uuid4().hex}",
        )
        inbounds.append(inbound)
        outcome = await runtime.engine.handle(inbound)
        assert not outcome.duplicate
        assert outcome.replies or outcome.relayed or outcome.handoff is not None, f"nothing said to {text!r:.200}"
        for reply in outcome.replies:
            assert reply.text.strip(), f"an empty reply to {text!r:.200}"
            assert_storable(reply.text)
        rows = await kept(runtime, CHANNEL, customer)
        assert [m.external_id for m in rows.inbound] == [i.external_id for i in inbounds]
        assert rows.inbound[-1].text == storable(text)
        for message in rows.messages:
            assert_storable(message.text)
        assert_answered(rows, text)
    # The channel delivering the last message again: nothing new is stored or said.
    count = len((await kept(runtime, CHANNEL, customer)).messages)
    again = await runtime.engine.handle(inbounds[-1])
    assert again.duplicate and not again.replies
    assert len((await kept(runtime, CHANNEL, customer)).messages) == count


def test_any_text_is_stored_once_and_answered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use_cached_matcher(monkeypatch)
    with asyncio.Runner() as runner:
        runtime = runner.run(_open(tmp_path))
        try:

            # Found by this property: a digit int() cannot read (U+1369 ETHIOPIC DIGIT ONE, 68 more) or more
            # than 4,300 digits crashed the turn in `_numbered_choice` (bot/engine/conversation.py).
            @example(texts=["\u1369"], hint=None, kinds=[InboundKind.TEXT] * 5)
            @example(texts=["9" * 4301], hint=None, kinds=[InboundKind.TEXT] * 5)
            @given(texts=st.lists(any_text, min_size=1, max_size=5), hint=languages, kinds=st.lists(KINDS, min_size=5, max_size=5))
            def check(texts: list[str], hint: str | None, kinds: list[InboundKind]) -> None:
                with no_errors_logged(runner.get_loop()):
                    runner.run(_conversation(runtime, texts, hint, kinds))

            check()
        finally:
            runner.run(runtime.close())
