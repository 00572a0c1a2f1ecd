"""Load benchmark for several `supportbot serve` instances on one PostgreSQL and one Redis (issue 12).

    python benchmarks/load.py --instances 2 --json
    python benchmarks/load.py --instances 2 --kill-one --json

Two phases in one run, the same traffic each: one instance, then N. Each phase gets a fresh PostgreSQL
database, a flushed Redis database, a fresh fake Bot API and fake Twilio (servers in this process, on
127.0.0.1), and its own `supportbot serve` processes in webhook mode. This process is the load
balancer and every customer and agent (benchmarks/loadkit/driver.py). `--kill-one` SIGKILLs one instance
of the N phase when half of the messages were accepted; the driver keeps going on the survivors and
retries what failed, as Telegram and Twilio do.

Reported: throughput_per_s (messages in answered or relayed, per second of driving), p50_ms / p99_ms
(webhook first sent -> message out at a fake), duplicates, lost (see benchmarks/loadkit/report.py), and
scaling = throughput(N) / throughput(1); per phase, where the CPU went (milliseconds per message answered
in the instances, PostgreSQL, Redis, this driver and the rest of the machine: benchmarks/loadkit/cpu.py),
PostgreSQL transactions per message and connections opened. Needs PostgreSQL at 127.0.0.1:5432 (user postgres, trust) and
Redis at 127.0.0.1:6379.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import contextlib
import json
import os
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
from loadkit.cpu import CpuMeter, per_message
from loadkit.driver import (
    AGENT_IDS,
    AGENTS_CHAT_ID,
    PUBLIC_URL,
    SECRET,
    Balancer,
    Driver,
    Stats,
    faq_questions,
)
from loadkit.fakes import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    BOT_TOKEN,
    FROM_NUMBER,
    ROOT,
    Outbox,
    RecordingTelegramAPI,
    RecordingTwilio,
)
from loadkit.infra import POSTGRES_ADMIN, Instance, Postgres, flush_redis, free_port
from loadkit.report import judge, percentile

_ALL_INSTANCES: list[Instance] = []


def _kill_leftovers() -> None:
    for instance in _ALL_INSTANCES:
        instance.kill_now()


atexit.register(_kill_leftovers)


def _env(args: argparse.Namespace, database_url: str, api: RecordingTelegramAPI, twilio: RecordingTwilio) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "REDIS_URL": args.redis_url,
        "KNOWLEDGE_DIR": str(args.source / "knowledge"),
        "MODEL_CACHE_DIR": str(args.model_cache),
        "LOG_LEVEL": "WARNING",
        "BOT_TOKEN": BOT_TOKEN,
        "TELEGRAM_API_URL": api.base_url,
        "WEBHOOK_SECRET": SECRET,
        "DEFAULT_LANGUAGE": "en",
        "AGENTS_CHAT_ID": str(AGENTS_CHAT_ID),
        "AGENT_IDS": ",".join(map(str, AGENT_IDS)),
        "AGENTS_LANGUAGE": "en",
        "AGENTS_MESSAGES_PER_MINUTE": "60",  # the most the setting allows (Telegram's limit is about 20)
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM_NUMBER": FROM_NUMBER,
        "TWILIO_API_URL": twilio.api_url,
        "PUBLIC_URL": PUBLIC_URL,
        # A benchmark customer writes as fast as the bot answers: the per-customer limits meant for
        # spammers would measure themselves, not the bot.
        "FLOOD_LIMIT_PER_MINUTE": "100000",
        "SMS_RATE_LIMIT_PER_HOUR": "100000",
        **dict(args.setting),
    }


async def run_phase(args: argparse.Namespace, postgres: Postgres, name: str, count: int, phase: int, kill_after: int | None) -> dict[str, Any]:
    """One phase: fresh database, Redis, fakes and `count` instances; the customers; the verdict."""
    outbox = Outbox()
    api = await RecordingTelegramAPI(outbox, AGENTS_CHAT_ID).start()
    twilio = await RecordingTwilio(outbox).start()
    instances: list[Instance] = []
    database = f"supportbot_load_{os.getpid()}_{name}"
    try:
        url = await postgres.create(database)
        await flush_redis(args.redis_url)
        env = _env(args, url, api, twilio)
        for index in range(count):  # one after another: the first one runs the migrations
            instance = Instance(index, free_port(), args.log_dir / f"{name}-{index}.log")
            instances.append(instance)
            _ALL_INSTANCES.append(instance)
            await instance.start(env, args.source)
        stats = Stats()
        killed: dict[str, Any] = {}

        async def on_accepted(accepted: int, inbound: Any) -> None:
            # Killed the moment it has just acknowledged a webhook: a crash under load always finds
            # some; an acknowledged message must survive it.
            victim = instances[-1]
            if kill_after is not None and not killed and accepted >= kill_after and inbound.instance == victim.index:
                victim.kill()
                killed.update(instance=victim.index, after_accepted=accepted, at_s=round(time.monotonic() - started, 2))

        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector) as session:
            balancer = Balancer(instances, session, stats, timeout=args.webhook_timeout)
            driver = Driver(
                api=api, outbox=outbox, balancer=balancer, stats=stats, phase=phase, questions=faq_questions(ROOT / "knowledge"),
                tg_customers=args.telegram, sms_customers=args.sms, faq_per_customer=args.faq, handoff_share=args.handoff_share,
                turn_timeout=args.turn_timeout, handoff_timeout=args.handoff_timeout, seed=args.seed, on_accepted=on_accepted,
            )
            meter = CpuMeter(lambda: [i.process.pid for i in instances if i.process is not None])
            meter.start()
            try:
                started = time.monotonic()
                driving = await driver.run()
                verdict = judge(stats.inbounds, outbox)
                drain_deadline = time.monotonic() + args.drain
                while verdict.lost and time.monotonic() < drain_deadline:  # late answers still count as answers
                    await asyncio.sleep(1.0)
                    verdict = judge(stats.inbounds, outbox)
            finally:
                seconds = meter.stop()
            cpu = per_message(seconds, verdict.answered, os.cpu_count() or 1)
        await asyncio.gather(*(instance.stop() for instance in instances))  # their server processes report on exit
        transactions, connections = await postgres.activity(database)
        # Throughput over the time answers were flowing: from the first message in to the last answer,
        # not the customers' final timeouts waiting for answers that never came; an answer that only
        # came during the drain still counts, but does not stretch the time.
        busy = min(verdict.last_answer - started, driving) if verdict.last_answer else driving
        _trace(args.log_dir / f"{name}-trace.jsonl", stats, outbox)
        accepted = [i for i in stats.inbounds if i.accepted]
        return {
            "phase": name,
            "instances": count,
            "messages": len(stats.inbounds),
            "accepted": len(accepted),
            "refused": len(stats.inbounds) - len(accepted),
            "answered": verdict.answered,
            "lost": len(verdict.lost),
            "duplicates": len(verdict.duplicates),
            "duplicates_relayed": verdict.relay_duplicates,
            "driving_s": round(driving, 2),
            "busy_s": round(busy, 2),
            "throughput_per_s": round(verdict.answered / busy, 2) if busy > 0 else 0.0,
            "p50_ms": _round(percentile(verdict.latencies_ms, 50)),
            "p99_ms": _round(percentile(verdict.latencies_ms, 99)),
            "by_channel": _by_channel(stats, verdict, busy),
            # CPU milliseconds per message answered, by process (benchmarks/loadkit/cpu.py), over the
            # driving and the drain; PostgreSQL transactions per message and connections opened (each a
            # server process started) over the whole phase.
            "cpu_per_message": cpu,
            "transactions_per_message": round(transactions / verdict.answered, 2) if verdict.answered else None,
            "connections_opened": connections,
            # Two instances handling the same hand-off each open a topic: the agents see the customer twice.
            "extra_topics": sum(n - 1 for n in Counter(t.name.split(" ", 1)[-1] for t in api.topics.values()).values() if n > 1),
            "webhook_retries": stats.retries,
            "turn_timeouts": stats.turn_timeouts,
            "bookings_confirmed": stats.bookings_done,
            "handoffs_completed": stats.handoffs_done,
            "topics_missing": stats.topics_missing,
            "killed": killed or None,
            "lost_examples": [_example(i) for i in verdict.lost[:5]],
            "duplicate_examples": [_example(i) for i in verdict.duplicates[:5]],
        }
    finally:
        await asyncio.gather(*(instance.stop() for instance in instances), return_exceptions=True)
        await api.close()
        await twilio.stop()
        with contextlib.suppress(Exception):
            await postgres.drop_all()


def _by_channel(stats: Stats, verdict: Any, busy: float) -> dict[str, Any]:
    """Throughput and latency of Telegram and SMS customers' own messages (agents' messages left out)."""
    figures = {}
    for channel in ("tg", "sms"):
        ids = {i.id for i in stats.inbounds if i.channel == channel and i.kind == "bot"}
        latencies = [ms for inbound_id, ms in verdict.latency_by_id.items() if inbound_id in ids]
        figures[channel] = {
            "answered": len(latencies),
            "throughput_per_s": round(len(latencies) / busy, 2) if busy > 0 else 0.0,
            "p50_ms": _round(percentile(latencies, 50)),
            "p99_ms": _round(percentile(latencies, 99)),
        }
    return figures


def _trace(path: Path, stats: Stats, outbox: Outbox) -> None:
    """Every message in and out of the phase, in time order, to read when a figure looks wrong."""
    rows = [{"t": i.t_sent, "in": i.dest, "kind": i.kind, "status": i.status, "attempts": i.attempts, "instance": i.instance, "text": i.text} for i in stats.inbounds]
    rows += [{"t": o.t, "out": o.dest, "thread": o.thread, "text": o.text[:200]} for outs in outbox.by_dest.values() for o in outs]
    with path.open("w", encoding="utf-8") as file:
        for row in sorted(rows, key=lambda r: r["t"]):
            file.write(json.dumps(row, ensure_ascii=False) + "\n")


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _example(inbound: Any) -> dict[str, Any]:
    return {"channel": inbound.channel, "dest": inbound.dest, "text": inbound.text[:60], "attempts": inbound.attempts, "instance": inbound.instance}


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    postgres = Postgres(args.postgres)
    try:
        one = await run_phase(args, postgres, "one", 1, 1, None)
        kill_after = max(1, one["accepted"] // 2) if args.kill_one else None
        many = await run_phase(args, postgres, "many", args.instances, 2, kill_after)
    finally:
        await postgres.drop_all()
    base = one["throughput_per_s"]
    return {
        "instances": args.instances,
        "customers": args.telegram + args.sms,
        "telegram_customers": args.telegram,
        "sms_customers": args.sms,
        "messages": many["messages"],
        "kill_one": args.kill_one,
        "cpu_count": os.cpu_count(),
        "settings": dict(args.setting),
        "throughput_per_s": many["throughput_per_s"],
        "p50_ms": many["p50_ms"],
        "p99_ms": many["p99_ms"],
        "duplicates": one["duplicates"] + many["duplicates"],
        "lost": one["lost"] + many["lost"],
        "scaling": round(many["throughput_per_s"] / base, 3) if base else None,
        "phases": [one, many],
        "logs": str(args.log_dir),
    }


async def _cancellable(work: Any) -> Any:
    """SIGTERM ends the run as Ctrl-C does (asyncio cancels the main task): the phases' finally blocks
    stop the instances and drop the databases."""
    task = asyncio.current_task()
    assert task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    return await work


def _table(result: dict[str, Any]) -> str:
    rows = [("", "1 instance", f"{result['instances']} instances")]
    for key in ("messages", "accepted", "answered", "throughput_per_s", "p50_ms", "p99_ms", "lost", "duplicates", "webhook_retries", "turn_timeouts", "killed"):
        rows.append((key, *(str(p[key]) for p in result["phases"])))
    for key in ("instances_ms", "postgresql_ms", "redis_ms", "driver_ms", "other_ms", "machine_busy"):
        rows.append((f"cpu {key}", *(str((p["cpu_per_message"] or {}).get(key)) for p in result["phases"])))
    for key in ("transactions_per_message", "connections_opened"):
        rows.append((key, *(str(p[key]) for p in result["phases"])))
    width = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = ["  ".join(cell.ljust(width[i]) for i, cell in enumerate(row)) for row in rows]
    lines.append(f"scaling {result['scaling']}  (cpus: {result['cpu_count']}, customers: {result['customers']}, kill_one: {result['kill_one']})")
    return "\n".join(lines)


def _setting(text: str) -> tuple[str, str]:
    name, equals, value = text.partition("=")
    if not equals or not name.isidentifier():
        raise argparse.ArgumentTypeError(f"{text!r}: expected NAME=VALUE")
    return name, value


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instances", type=int, default=2, help="instances in the second phase (default 2)")
    parser.add_argument("--kill-one", action="store_true", help="SIGKILL one instance halfway through the second phase")
    parser.add_argument("--json", action="store_true", help="one JSON object instead of a table")
    parser.add_argument("--telegram", type=int, default=30, help="concurrent Telegram customers (default 30)")
    parser.add_argument("--sms", type=int, default=10, help="concurrent SMS customers (default 10)")
    parser.add_argument("--faq", type=int, default=3, help="FAQ questions per customer (default 3)")
    parser.add_argument("--handoff-share", type=float, default=0.25, help="share of customers asking for a person (default 0.25)")
    # Longer than a crash takes to recover from: an update acknowledged by a killed instance is handled by a
    # survivor's sweep once its 30 s lease ran out (sweeps every 5 s; `--kill-one` kills right after an
    # acknowledgement, before any renewal). A customer who wrote again before that would get the late
    # answer in the next message's window, and the first would count as lost.
    parser.add_argument("--turn-timeout", type=float, default=45.0, help="seconds a customer waits for an answer (default 45)")
    parser.add_argument("--handoff-timeout", type=float, default=90.0, help="seconds to wait for a topic or a relay")
    parser.add_argument("--webhook-timeout", type=float, default=15.0, help="seconds before a webhook call counts as failed")
    parser.add_argument("--drain", type=float, default=60.0, help="seconds to wait for late answers at the end of a phase")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--source", type=Path, default=ROOT, help="the bot's source tree to run (default: this checkout)")
    parser.add_argument("--postgres", default=POSTGRES_ADMIN, help="admin URL of the PostgreSQL server")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12", help="a Redis database the benchmark may flush")
    parser.add_argument("--model-cache", type=Path, default=Path(tempfile.gettempdir()) / "supportbot-load-model-cache")
    parser.add_argument("--log-dir", type=Path, default=None, help="where the instances' logs go (default: a new temporary directory)")
    # The instances' environment is the benchmark's own (this process's DATABASE_*, REDIS_* and the like
    # are not passed on); a setting to compare, e.g. a pool size against a `--source` of another commit:
    parser.add_argument("--setting", action="append", type=_setting, default=[], metavar="NAME=VALUE",
                        help="an environment variable for every instance, e.g. DATABASE_POOL_SIZE=30 (repeatable)")
    args = parser.parse_args(argv)
    if args.instances < 1:
        parser.error("--instances must be at least 1")
    if args.kill_one and args.instances < 2:
        parser.error("--kill-one needs --instances 2 or more")
    args.source = args.source.resolve()
    if not (args.source / "bot" / "__main__.py").exists():
        parser.error(f"--source {args.source}: no bot/__main__.py there")
    args.log_dir = args.log_dir or Path(tempfile.mkdtemp(prefix="supportbot-load-"))
    args.log_dir.mkdir(parents=True, exist_ok=True)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        result = asyncio.run(_cancellable(main_async(args)))
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("interrupted; instances stopped and databases dropped", file=sys.stderr)
        return 130
    print(json.dumps(result, ensure_ascii=False) if args.json else _table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
