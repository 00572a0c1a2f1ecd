"""Small named strings every instance can read back, kept for a while: `<prefix>:<name>:<key>`.

Used for what one instance makes up at run time and another may be asked about later, such as the
short reference in a Telegram button standing for a value too long to fit in it.
"""

from __future__ import annotations

import redis.asyncio as aioredis


class SharedValues:
    """`put` a value under a key for `ttl` seconds; `get` it back on any instance."""

    def __init__(self, client: aioredis.Redis, prefix: str, name: str, *, ttl: int) -> None:
        self.client = client
        self.namespace = f"{prefix}:{name}"
        self.ttl = ttl

    async def get(self, key: str) -> str | None:
        value = await self.client.get(f"{self.namespace}:{key}")
        return value.decode() if isinstance(value, bytes) else value

    async def put(self, key: str, value: str) -> None:
        await self.client.set(f"{self.namespace}:{key}", value.encode(), ex=self.ttl)
