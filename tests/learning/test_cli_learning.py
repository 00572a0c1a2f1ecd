"""`supportbot kb suggestions | versions | rollback | export-learned`, run as an operator runs them."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from bot.learning import signals
from bot.learning.board import board
from bot.learning.live import apply_active, live
from bot.learning.versions import check, decide, publish
from bot.runtime import Runtime
from tests.learning.conftest import say
from tests.support import run_supportbot


async def test_the_commands_list_export_and_roll_back(runtime: Runtime, sqlite_url: str, small_kb: Path) -> None:
    for n, text in enumerate(["我的手机进水了怎么办", "手機進水了怎麼辦"]):
        await say(runtime, text, f"w{n}")
    await say(runtime, "do you sell phone cases", "case")
    args = ("--kb", str(small_kb), "--db", sqlite_url)

    listed = run_supportbot("kb", "suggestions", "--collect", "--json", *args)
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert [row["count"] for row in rows] == [2, 1] and rows[0]["text"] == "我的手机进水了怎么办"

    [water, _] = (await board(runtime)).open
    await decide(runtime, water.id, "reassign", by="sup", intent_id="hotline.hours")
    version = await publish(runtime, (await check(runtime)).digest, by="sup")

    versions = run_supportbot("kb", "versions", *args)
    assert f"version {version}: 2 examples, 0 new intents, by sup" in versions.stdout and "(live)" in versions.stdout
    exported = run_supportbot("kb", "export-learned", *args)
    [entry] = yaml.safe_load(exported.stdout)
    assert entry["id"] == "hotline.hours" and "手機進水了怎麼辦" in entry["questions"]

    rolled = run_supportbot("kb", "rollback", "0", *args)
    assert rolled.returncode == 0 and "version 0 is live" in rolled.stdout
    assert await apply_active(runtime) and live(runtime).version == 0  # what the running instance's poller does
    assert run_supportbot("kb", "rollback", "42", *args).returncode == 1
    assert await signals.collect(runtime) == 0
