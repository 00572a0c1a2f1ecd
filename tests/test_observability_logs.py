"""Log lines: JSON with LOG_FORMAT=json, tagged with the conversation of the turn they were logged in,
and never a phone number, an IMEI or a secret, in either format."""

from __future__ import annotations

import contextlib
import io
import json
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.engine import Inbound
from bot.observability.logs import (
    JsonFormatter,
    PersonalDataFilter,
    configure_logging,
    mask_personal,
)
from bot.runtime import Runtime, build_runtime
from bot.settings import load_settings
from tests.support import run_supportbot

PHONE, IMEI = "+86 138-0013-8000", "356938035643809"


@contextlib.contextmanager
def bare_root() -> Iterator[logging.Logger]:
    """The root logger as a fresh `supportbot` process has it: no handlers (pytest's, added for the test
    call itself, are put back after)."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    root.handlers.clear()
    try:
        yield root
    finally:
        for handler in root.handlers:
            handler.close()
        root.handlers[:] = handlers
        root.setLevel(level)


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_lines_mask_personal_data_in_messages_and_tracebacks() -> None:
    stream = io.StringIO()
    log = logging.getLogger("tests.observability")
    with bare_root():
        configure_logging("DEBUG", "json", ["s3cr3t-value"], stream=stream)
        log.info("customer %s sent IMEI %s for slot 2026-12-01 10:00 (confidence 0.87654321), password s3cr3t-value", PHONE, IMEI)
        try:
            raise ValueError("cannot reach 13800138000 about serial R58M123456789")
        except ValueError:
            log.exception("delivery failed")
    first, second = lines(stream)
    assert set(first) == {"time", "level", "logger", "message"}  # no conversation outside a turn
    assert (first["level"], first["logger"]) == ("INFO", "tests.observability")
    assert first["time"].endswith("Z")
    assert first["message"] == "customer ***8000 sent IMEI ***3809 for slot 2026-12-01 10:00 (confidence 0.87654321), password ***"
    assert second["message"] == "delivery failed"
    assert "ValueError: cannot reach ***8000 about serial R58M***6789" in second["exception"]
    assert "13800138000" not in stream.getvalue() and "123456789" not in stream.getvalue()


def test_text_lines_are_masked_too_and_secrets_before_digits() -> None:
    stream = io.StringIO()
    token = "123456789:AAHsecretpartofthetoken"
    with bare_root():
        configure_logging("INFO", "text", [token], stream=stream)
        configure_logging("INFO", "text", [token], stream=stream)  # twice (main() run twice in one process): one line each
        logging.getLogger("tests.observability").warning("token %s, phone %s", token, PHONE)
    [line] = stream.getvalue().splitlines()
    # The whole token is a secret: masking its digits first would have left "AAHsecret..." visible.
    assert line.endswith("WARNING tests.observability: token ***, phone ***8000")


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("电话13800138000谢谢", "电话***8000谢谢"),
        ("IMEI: 35-693803-564380-9", "IMEI: ***3809"),
        ("+1 (415) 555-0100", "+1 (415) ***0100"),  # the area code alone is not a number to hide
        ("chat 1234567 update 987654321", "chat ***4567 update ***4321"),
        ("123456 order, 3.14159265, port 8080, at 2026-12-01 10:30", "123456 order, 3.14159265, port 8080, at 2026-12-01 10:30"),
        ("１３８００１３８０００", "***８０００"),  # full-width digits are digits
    ],
)
def test_mask_personal(text: str, masked: str) -> None:
    assert mask_personal(text) == masked


@pytest.fixture
async def runtime(database_url: str, small_kb: Path) -> AsyncIterator[Runtime]:
    runtime = await build_runtime(load_settings(database_url=database_url, knowledge_dir=small_kb))
    yield runtime
    await runtime.close()


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """Every record of the bot's loggers, as the JSON handler `configure_logging` installs writes it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(PersonalDataFilter())
    logger = logging.getLogger("bot")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


async def test_lines_logged_during_a_turn_carry_its_conversation(runtime: Runtime, json_lines: io.StringIO) -> None:
    engine_handle = runtime.engine.handle
    probe = logging.getLogger("bot.engine.probe")

    async def handle(inbound: Inbound, keep: object = None):  # type: ignore[no-untyped-def]
        probe.info("engine turn for %s", inbound.customer_id)  # before the engine has loaded the conversation
        return await engine_handle(inbound, keep)  # type: ignore[arg-type]

    runtime.engine.handle = handle  # type: ignore[method-assign]
    first = await runtime.handle(Inbound(channel="sms", customer_id="+8613800138000", text="保修期多长时间"))
    second = await runtime.handle(Inbound(channel="sms", customer_id="+8613800138000", text=f"我的电话是{PHONE}"))
    other = await runtime.handle(Inbound(channel="sms", customer_id="+8613900139000", text="保修期多长时间"))
    logging.getLogger("bot.elsewhere").info("not in a turn")

    records = lines(json_lines)
    probes = [r for r in records if r["logger"] == "bot.engine.probe"]
    turns = [r for r in records if r["logger"] == "bot.runtime" and r["message"].startswith("turn on sms")]
    assert first.conversation_id == second.conversation_id != other.conversation_id
    # The customer's first message in this process: the id is known once the engine has loaded it.
    assert "conversation" not in probes[0] and probes[0]["message"] == "engine turn for ***8000"
    assert probes[1]["conversation"] == second.conversation_id
    assert [t["conversation"] for t in turns] == [first.conversation_id, second.conversation_id, other.conversation_id]
    assert "conversation" not in records[-1]
    assert "13800138000" not in json_lines.getvalue() and "138-0013-8000" not in json_lines.getvalue()


def test_the_supportbot_command_logs_json(small_kb: Path, tmp_path: Path) -> None:
    """LOG_FORMAT=json through the command itself: every line on stderr is JSON, the turns' lines carry
    the conversation, and the customer's phone number is nowhere (not even in the driver's DEBUG lines)."""
    result = run_supportbot(
        "chat", "--kb", str(small_kb), "--db", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}",
        env={"LOG_FORMAT": "json", "LOG_LEVEL": "DEBUG", "MODEL_CACHE_DIR": "off"},
        input="我的电话是13800138000\n保修期多长时间\n",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    records = [json.loads(line) for line in result.stderr.splitlines() if line.strip()]
    assert any(r["logger"] == "supportbot" and r["message"].startswith("features off") for r in records)
    assert [r["conversation"] for r in records if r["message"].startswith("turn on console")] == [1, 1]
    assert "13800138000" not in result.stderr
    assert "整机保修两年" in result.stdout
