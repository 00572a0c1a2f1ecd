"""Accounting: which message out answers which message in, and the figures of a phase.

Attribution relies on the customers' sequencing: a customer writes again only after the answer came (or
after a timeout), so the messages to a chat between one of its messages in and the next belong to the
first (its "window"). An inbound the bot answers is
  * answered when its window holds a message, or, should the conversation be with a person by then,
    when a post in the agents' chat headed with the customer's name carries its text (relayed);
  * answered twice (a duplicate) when its window holds the same text twice — the bot never says the
    same line twice in one turn, a retried webhook handled by two instances does.
Relayed messages (agents' replies, customers writing to an agent) carry a unique tag: exactly one
message out must carry it; none is a loss, two or more a duplicate.
Latency is from the first attempt of the webhook (Telegram or Twilio sending it) to the first message
out attributed to it, so a retry's back-off counts.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from loadkit.driver import TAG, Inbound
from loadkit.fakes import Out, Outbox


@dataclass
class Verdict:
    answered: int = 0
    lost: list[Inbound] = field(default_factory=list)
    duplicates: list[Inbound] = field(default_factory=list)
    relay_duplicates: int = 0  # of which relays (a tag out twice): certain, unlike a repeated line
    latencies_ms: list[float] = field(default_factory=list)
    latency_by_id: dict[int, float] = field(default_factory=dict)
    last_answer: float = 0.0  # monotonic time of the last message out attributed to a message in


def judge(inbounds: list[Inbound], outbox: Outbox) -> Verdict:
    verdict = Verdict()
    agents_posts = outbox.by_dest.get("agents", [])
    by_dest: dict[str, list[Inbound]] = defaultdict(list)
    for inbound in inbounds:
        if inbound.kind == "bot":
            by_dest[inbound.dest].append(inbound)
    for dest, sequence in by_dest.items():
        sequence.sort(key=lambda i: i.t_sent)
        outs = [o for o in outbox.by_dest.get(dest, []) if not TAG.search(o.text)]
        for position, inbound in enumerate(sequence):
            if not inbound.accepted:
                continue
            end = sequence[position + 1].t_sent if position + 1 < len(sequence) else float("inf")
            window = [o for o in outs if inbound.t_sent <= o.t < end]
            if not window:
                # Relayed to the agents: a post headed with this customer's name carrying the text
                # (not a card, whose "last messages" quote other customers' words too).
                window = [o for o in agents_posts if o.t >= inbound.t_sent and o.text.startswith(f"👤 {inbound.who}\n") and inbound.text in o.text][:1]
            _score(verdict, inbound, window, Counter(o.text for o in window if o.text.strip()))
    for inbound in inbounds:
        if inbound.kind == "tagged" and inbound.accepted:
            assert inbound.tag is not None
            carrying = [o for o in outbox.by_dest.get(inbound.dest, []) if inbound.tag in o.text]
            _score(verdict, inbound, carrying, Counter({inbound.tag: len(carrying)}))
            verdict.relay_duplicates += len(carrying) > 1
    return verdict


def _score(verdict: Verdict, inbound: Inbound, outs: list[Out], texts: Counter[str]) -> None:
    if not outs:
        verdict.lost.append(inbound)
        return
    verdict.answered += 1
    first = min(o.t for o in outs)
    verdict.latencies_ms.append((first - inbound.t_sent) * 1000)
    verdict.latency_by_id[inbound.id] = verdict.latencies_ms[-1]
    verdict.last_answer = max(verdict.last_answer, first)
    if any(count > 1 for count in texts.values()):
        verdict.duplicates.append(inbound)


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (no interpolation: with few samples p99 is the worst one)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1]
