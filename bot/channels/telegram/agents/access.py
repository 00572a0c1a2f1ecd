"""Who may act in the agents' chat: the AGENT_IDS allow-list when set, else any member of the chat.

Membership is asked of Telegram (getChatMember) and cached for `ttl` seconds, so a person removed from
the group loses access within minutes without a request per message.

The cache is deliberately per process, also with several instances (REDIS_URL): Telegram's answer is
the authority and each instance asks it at most once per agent per `ttl`, a handful of requests. Each
entry expires `ttl` after the instance that holds it asked, so a removed agent loses access on every
instance within `ttl`, exactly as with one; a shared cache would not shorten that (nothing tells the
bot of a removal sooner) and would add a Redis round trip to every agent's message.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from aiogram.enums import ChatMemberStatus
from aiogram.exceptions import TelegramAPIError

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.types import User

log = logging.getLogger(__name__)

MEMBER_STATUSES = {ChatMemberStatus.CREATOR, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.MEMBER}
GROUP_ANONYMOUS_BOT = 1087968824  # what Telegram shows for an admin posting "anonymously"


class AgentAccess:
    """Decides whether a Telegram user is an agent."""

    def __init__(
        self, bot: Bot, chat_id: int, allow: Iterable[int] = (), *, ttl: float = 300.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.bot = bot
        self.chat_id = chat_id
        self.allow = frozenset(allow)
        self.ttl = ttl
        self.clock = clock
        self._cache: dict[int, tuple[bool, float]] = {}

    async def is_agent(self, user: User | None) -> bool:
        if user is None or user.is_bot or user.id == GROUP_ANONYMOUS_BOT:
            return False
        if self.allow:
            return user.id in self.allow
        now = self.clock()
        cached = self._cache.get(user.id)
        if cached is not None and now - cached[1] < self.ttl:
            return cached[0]
        try:
            member = await self.bot.get_chat_member(chat_id=self.chat_id, user_id=user.id)
        except TelegramAPIError as exc:
            log.warning("could not check whether user %s is in the agents' chat: %s", user.id, exc.message)
            return False
        ok = member.status in MEMBER_STATUSES or (member.status == ChatMemberStatus.RESTRICTED and bool(getattr(member, "is_member", False)))
        self._cache[user.id] = (ok, now)
        return ok

    def forget(self, user_id: int) -> None:
        self._cache.pop(user_id, None)
