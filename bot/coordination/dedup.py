""""Have we seen this id already?", asked by every instance at once.

Telegram redelivers an update (a webhook retry, a restarted poller) within minutes, possibly to another
instance behind the load balancer; the first to ask wins, the others drop it. In memory, a bounded LRU
of recent ids; in Redis, one `SET <prefix>:seen:<kind>:<id> 1 NX EX <ttl>` per id (atomic: exactly one
caller gets "new"). The database still refuses a message id it already stored, so this is the cheap
first line, not the only one.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import OrderedDict

import redis.asyncio as aioredis


class Dedup(ABC):
    """Remembers ids for a while; `first` says whether this is the first time one is offered."""

    distributed: bool = False

    @abstractmethod
    async def first(self, key: str) -> bool:
        """Remember `key`; True if nobody had offered it before (within the memory's reach)."""


class MemoryDedup(Dedup):
    """The last `size` ids of this process."""

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._seen: OrderedDict[str, None] = OrderedDict()

    async def first(self, key: str) -> bool:
        if key in self._seen:
            self._seen.move_to_end(key)
            return False
        self._seen[key] = None
        if len(self._seen) > self.size:
            self._seen.popitem(last=False)
        return True


class RedisDedup(Dedup):
    """Ids of every instance, each kept `ttl` seconds (an hour: far longer than any redelivery)."""

    distributed = True

    def __init__(self, client: aioredis.Redis, prefix: str, kind: str, *, ttl: int = 3600) -> None:
        self.client = client
        self.namespace = f"{prefix}:seen:{kind}"
        self.ttl = ttl

    async def first(self, key: str) -> bool:
        return bool(await self.client.set(f"{self.namespace}:{key}", b"1", nx=True, ex=self.ttl))
