"""A fake Telegram Bot API server: an aiohttp app on 127.0.0.1 with a random port.

Point aiogram at it with `TelegramAPIServer.from_base(api.base_url)` (or TELEGRAM_API_URL) and the bot
talks real HTTP with Telegram's real JSON shapes, so the wire format is exercised end to end:

* every call is recorded (`api.calls`, `api.calls_to("sendMessage")`) with its parameters decoded;
* `getUpdates` long-polls a queue the test feeds (`api.push_update(...)`, or the `message()` /
  `callback()` helpers that build realistic updates);
* `api.fail_next("sendMessage", 2, 429, retry_after=1)` or `api.fail_next("sendMessage", 1, 403)` make
  the next calls fail the way Telegram does (`chat_id=` limits it to calls to one chat, e.g. the group);
* forum topics (the agents' supergroup): createForumTopic, editForumTopic, closeForumTopic,
  reopenForumTopic, deleteForumTopic are kept in `api.topics`; posting into a deleted topic answers
  "message thread not found", into a closed one "TOPIC_CLOSED", like Telegram. copyMessage, sendPhoto,
  sendDocument and getChatMember (`api.members[(chat_id, user_id)] = "member"`, default "left") work too;
  `group_message()` builds a message in the group (in a topic or in General), `posts()` lists what the
  bot posted in a chat or topic;
* `await api.wait_for(lambda: ...)` waits (bounded, event-driven) for the bot to have done something.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

BOT_ID = 123456789
BOT_TOKEN = f"{BOT_ID}:AAFakeTokenForTestsOnly_abcdefghijklmn"
BOT_USERNAME = "supportbot_test_bot"

# Parameters Telegram sends as JSON inside the form; everything else stays a string unless numeric below.
_JSON_FIELDS = {"reply_markup", "commands", "scope", "allowed_updates", "link_preview_options", "entities", "reply_parameters"}
_INT_FIELDS = {
    "chat_id", "message_id", "offset", "limit", "timeout", "max_connections", "from_chat_id", "message_thread_id",
    "user_id", "icon_color",
}
_POSTS = ("sendMessage", "copyMessage", "sendPhoto", "sendDocument")
_BOOL_FIELDS = {"show_alert", "drop_pending_updates", "disable_notification", "protect_content"}
_TAG = re.compile(r"<[^>]+>")


def html_to_text(value: str) -> str:
    """What Telegram shows for a parse_mode=HTML text: tags removed, entities decoded."""
    return html.unescape(_TAG.sub("", value))


@dataclass
class Call:
    """One request the bot made."""

    method: str
    params: dict[str, Any]
    status: int = 200

    def __getitem__(self, key: str) -> Any:
        return self.params[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.params.get(key, default)

    @property
    def buttons(self) -> list[list[dict[str, Any]]]:
        """The inline keyboard's rows, [] without one."""
        markup = self.params.get("reply_markup") or {}
        return markup.get("inline_keyboard", []) if isinstance(markup, dict) else []

    @property
    def button_texts(self) -> list[str]:
        return [button["text"] for row in self.buttons for button in row]

    def button(self, text: str) -> dict[str, Any]:
        """The button with this label (its callback_data is what a press sends back)."""
        for row in self.buttons:
            for button in row:
                if button["text"] == text:
                    return button
        raise KeyError(f"no button {text!r} in {self.button_texts}")


@dataclass
class _Failure:
    status: int
    description: str
    parameters: dict[str, Any] | None = None
    chat_id: int | None = None  # only calls to this chat fail


@dataclass
class Topic:
    """A forum topic of a supergroup."""

    chat_id: int
    thread_id: int
    name: str
    icon_color: int | None = None
    closed: bool = False
    deleted: bool = False


@dataclass
class FakeTelegramAPI:
    """The fake server; use `async with FakeTelegramAPI() as api:` or start()/close()."""

    token: str = BOT_TOKEN
    host: str = "127.0.0.1"
    calls: list[Call] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.bot_id = int(self.token.split(":", 1)[0])
        self._updates: deque[dict[str, Any]] = deque()
        self._changed = asyncio.Condition()
        self._failures: dict[str, deque[_Failure]] = {}
        self._message_ids = itertools.count(1000)
        self._update_ids = itertools.count(1)
        self._callback_ids = itertools.count(9_000_000_000_000_000_001)
        self._closing = False
        self.webhook: dict[str, Any] = {}
        self.topics: dict[tuple[int, int], Topic] = {}
        self._thread_ids = itertools.count(500)
        self.members: dict[tuple[int, int], str] = {}
        self.port = 0
        self._runner: web.AppRunner | None = None

    # -- lifecycle --------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> FakeTelegramAPI:
        app = web.Application()
        app.router.add_route("POST", "/bot{token}/{method}", self._handle)
        app.router.add_route("GET", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def close(self) -> None:
        self._closing = True
        async with self._changed:
            self._changed.notify_all()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeTelegramAPI:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- what tests use ---------------------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def sent(self, chat_id: int | None = None) -> list[Call]:
        """Successful sendMessage calls (to one chat)."""
        return [
            c for c in self.calls
            if c.method == "sendMessage" and c.status == 200 and (chat_id is None or c.params.get("chat_id") == chat_id)
        ]

    def sent_texts(self, chat_id: int | None = None) -> list[str]:
        """The texts a customer saw, HTML removed."""
        return [html_to_text(c["text"]) for c in self.sent(chat_id)]

    def fail_next(
        self, method: str, count: int = 1, status: int = 429, *, retry_after: int = 1, description: str | None = None, chat_id: int | None = None
    ) -> None:
        """Make the next `count` calls of `method` (to `chat_id`, if given) fail like Telegram does."""
        if status == 429:
            failure = _Failure(429, description or f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}, chat_id)
        elif status == 403:
            failure = _Failure(403, description or "Forbidden: bot was blocked by the user", None, chat_id)
        else:
            failure = _Failure(status, description or "Bad Request: something is wrong", None, chat_id)
        queue = self._failures.setdefault(method, deque())
        queue.extend(failure for _ in range(count))

    def posts(self, chat_id: int, thread: int | None | bool = False) -> list[Call]:
        """Successful messages the bot posted in a chat (sendMessage, copyMessage, sendPhoto, sendDocument);
        `thread=None` only those in General, an int only those in that topic."""
        return [
            c for c in self.calls
            if c.method in _POSTS and c.status == 200 and c.params.get("chat_id") == chat_id
            and (thread is False or c.params.get("message_thread_id") == thread)
        ]

    def post_texts(self, chat_id: int, thread: int | None | bool = False) -> list[str]:
        """The texts (or captions) of those posts, HTML removed; "" for a copied message without caption."""
        return [html_to_text(c.params.get("text") or c.params.get("caption") or "") for c in self.posts(chat_id, thread)]

    def topic(self, chat_id: int, name_contains: str = "") -> Topic:
        """The newest live topic of a chat whose name contains the text."""
        for topic in reversed(list(self.topics.values())):
            if topic.chat_id == chat_id and name_contains in topic.name and not topic.deleted:
                return topic
        raise KeyError(f"no topic {name_contains!r} in {[t.name for t in self.topics.values()]}")

    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for getUpdates (the same dict again = a redelivery)."""
        self._updates.append(update)
        asyncio.get_running_loop().create_task(self._notify())
        return update

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(self, condition: Callable[[], Any], timeout: float = 10.0) -> Any:
        """Wait until condition() is truthy (checked after every call the bot makes); return its value."""
        deadline = time.monotonic() + timeout
        async with self._changed:
            while True:
                value = condition()
                if value:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"timed out waiting; calls so far: {[c.method for c in self.calls]}")
                try:
                    await asyncio.wait_for(self._changed.wait(), remaining)
                except TimeoutError:
                    pass

    async def wait_sent(self, chat_id: int, count: int, timeout: float = 10.0) -> list[Call]:
        """Wait until `count` messages were sent to a chat; return them."""
        await self.wait_for(lambda: len(self.sent(chat_id)) >= count, timeout)
        return self.sent(chat_id)

    # -- update builders ----------------------------------------------------------------------------

    def user(self, user_id: int, language_code: str | None = "en", first_name: str = "Ada", last_name: str | None = None) -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            user["last_name"] = last_name
        if language_code:
            user["language_code"] = language_code
        return user

    def _chat(self, user: dict[str, Any]) -> dict[str, Any]:
        chat = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        if "last_name" in user:
            chat["last_name"] = user["last_name"]
        return chat

    def message(self, user_id: int, text: str | None = None, *, language_code: str | None = "en", update_id: int | None = None, **content: Any) -> dict[str, Any]:
        """A private-chat message update; `content` adds photo=..., sticker=..., caption=... and so on."""
        user = self.user(user_id, language_code)
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self._chat(user),
            "from": user,
        }
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                command = text.split()[0]
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        message.update(content)
        return {"update_id": update_id if update_id is not None else next(self._update_ids), "message": message}

    def group_message(
        self,
        chat_id: int,
        user_id: int,
        text: str | None = None,
        *,
        thread: int | None = None,
        first_name: str = "Agent",
        update_id: int | None = None,
        is_topic: bool = True,
        **content: Any,
    ) -> dict[str, Any]:
        """A message in a supergroup with topics: in topic `thread`, or in General (thread None).
        `is_topic=False` with a thread is what Telegram sends for a reply in General: a message_thread_id
        that is not a topic."""
        user = self.user(user_id, "en", first_name=first_name)
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "supergroup", "title": "Agents", "is_forum": True},
            "from": user,
        }
        if thread is not None:
            message["message_thread_id"] = thread
            if is_topic:
                message["is_topic_message"] = True
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                command = text.split()[0]
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        message.update(content)
        return {"update_id": update_id if update_id is not None else next(self._update_ids), "message": message}

    def callback(
        self, user_id: int, data: str, message: Call | dict[str, Any] | None = None, *, language_code: str | None = "en", first_name: str = "Ada"
    ) -> dict[str, Any]:
        """A button press on a message the bot sent (a recorded sendMessage call, or a message dict)."""
        user = self.user(user_id, language_code, first_name=first_name)
        if isinstance(message, Call):
            message = message.params["_result"]
        if message is None:
            message = {"message_id": next(self._message_ids), "date": int(time.time()), "chat": self._chat(user), "text": "?"}
        return {
            "update_id": next(self._update_ids),
            "callback_query": {
                "id": str(next(self._callback_ids)),
                "from": user,
                "chat_instance": f"-{user_id}",
                "message": message,
                "data": data,
            },
        }

    def my_chat_member(self, user_id: int, status: str) -> dict[str, Any]:
        """The customer blocked ("kicked") or restarted ("member") the bot."""
        user = self.user(user_id)
        old = "member" if status == "kicked" else "kicked"
        bot_user = self._bot_user()
        member = {"user": bot_user}
        return {
            "update_id": next(self._update_ids),
            "my_chat_member": {
                "chat": self._chat(user),
                "from": user,
                "date": int(time.time()),
                "old_chat_member": {"status": old, **member, **({"until_date": 0} if old == "kicked" else {})},
                "new_chat_member": {"status": status, **member, **({"until_date": 0} if status == "kicked" else {})},
            },
        }

    # -- the server ----------------------------------------------------------------------------------

    def _bot_user(self) -> dict[str, Any]:
        return {"id": self.bot_id, "is_bot": True, "first_name": "Support", "username": BOT_USERNAME}

    @staticmethod
    def _decode(key: str, value: str) -> Any:
        if key in _JSON_FIELDS:
            try:
                return json.loads(value)
            except ValueError:
                return value
        if key in _INT_FIELDS:
            try:
                return int(value)
            except ValueError:
                return value
        if key in _BOOL_FIELDS:
            return value.lower() == "true"
        return value

    async def _params(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            raw = await request.json()
            return {k: v for k, v in raw.items()}
        form = await request.post()
        return {key: self._decode(key, str(value)) for key, value in form.items()}

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        params = await self._params(request)
        if method == "getUpdates":
            return await self._get_updates(params)
        call = Call(method, params)
        failures = self._failures.get(method)
        failure = None
        if failures:
            failure = next((f for f in failures if f.chat_id is None or f.chat_id == params.get("chat_id")), None)
            if failure is not None:
                failures.remove(failure)
        if failure is None:
            failure = self._topic_failure(method, params)
        if failure is not None:
            call.status = failure.status
            await self._record(call)
            body: dict[str, Any] = {"ok": False, "error_code": failure.status, "description": failure.description}
            if failure.parameters:
                body["parameters"] = failure.parameters
            return web.json_response(body, status=failure.status)
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            await self._record(call)
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found: method not found"}, status=404)
        result = handler(params)
        if isinstance(result, web.Response):
            await self._record(call)
            return result
        call.params["_result"] = result
        await self._record(call)
        return web.json_response({"ok": True, "result": result})

    async def _record(self, call: Call) -> None:
        self.calls.append(call)
        async with self._changed:
            self._changed.notify_all()

    async def _get_updates(self, params: dict[str, Any]) -> web.Response:
        await self._record(Call("getUpdates", params))
        timeout = min(float(params.get("timeout") or 0), 5.0)  # shorter than Telegram: tests stop quickly
        deadline = time.monotonic() + timeout
        async with self._changed:
            while not self._updates and not self._closing:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                try:
                    await asyncio.wait_for(self._changed.wait(), remaining)
                except TimeoutError:
                    break
        limit = int(params.get("limit") or 100)
        batch = []
        while self._updates and len(batch) < limit:
            batch.append(self._updates.popleft())
        return web.json_response({"ok": True, "result": batch})

    def _topic_failure(self, method: str, params: dict[str, Any]) -> _Failure | None:
        """Posting into a deleted or closed topic fails as on Telegram."""
        thread = params.get("message_thread_id")
        if method not in _POSTS or thread is None:
            return None
        topic = self.topics.get((params.get("chat_id"), thread))  # type: ignore[arg-type]
        if topic is None or topic.deleted:
            return _Failure(400, "Bad Request: message thread not found")
        if topic.closed:
            return _Failure(400, "Bad Request: TOPIC_CLOSED")
        return None

    # -- methods -----------------------------------------------------------------------------------

    def _message_result(self, params: dict[str, Any], message_id: int | None = None) -> dict[str, Any]:
        chat_id = params.get("chat_id")
        chat: dict[str, Any] = {"id": chat_id, "type": "private", "first_name": "Customer"}
        if isinstance(chat_id, int) and chat_id < 0:
            chat = {"id": chat_id, "type": "supergroup", "title": "Agents", "is_forum": True}
        result: dict[str, Any] = {
            "message_id": message_id if message_id is not None else next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": self._bot_user(),
        }
        if params.get("message_thread_id") is not None:
            result["message_thread_id"] = params["message_thread_id"]
            result["is_topic_message"] = True
        if "text" in params:
            result["text"] = html_to_text(params["text"]) if params.get("parse_mode") == "HTML" else params["text"]
        if isinstance(params.get("reply_markup"), dict) and "inline_keyboard" in params["reply_markup"]:
            result["reply_markup"] = params["reply_markup"]
        return result

    def _m_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return {**self._bot_user(), "can_join_groups": False, "can_read_all_group_messages": False, "supports_inline_queries": False}

    def _m_sendMessage(self, params: dict[str, Any]) -> Any:
        if not params.get("text"):
            return web.json_response({"ok": False, "error_code": 400, "description": "Bad Request: message text is empty"}, status=400)
        if len(html_to_text(params["text"]).encode("utf-16-le")) // 2 > 4096:
            return web.json_response({"ok": False, "error_code": 400, "description": "Bad Request: message is too long"}, status=400)
        return self._message_result(params)

    def _m_sendPhoto(self, params: dict[str, Any]) -> Any:
        result = self._message_result(params)
        result["photo"] = [{"file_id": str(params.get("photo")), "file_unique_id": "u" + str(params.get("photo"))[:8], "width": 90, "height": 90}]
        if params.get("caption"):
            result["caption"] = html_to_text(params["caption"])
        return result

    def _m_sendDocument(self, params: dict[str, Any]) -> Any:
        result = self._message_result(params)
        result["document"] = {"file_id": str(params.get("document")), "file_unique_id": "u" + str(params.get("document"))[:8]}
        if params.get("caption"):
            result["caption"] = html_to_text(params["caption"])
        return result

    def _m_copyMessage(self, params: dict[str, Any]) -> Any:
        return {"message_id": next(self._message_ids)}

    def _m_createForumTopic(self, params: dict[str, Any]) -> Any:
        chat_id = params.get("chat_id")
        name = str(params.get("name") or "")
        if not 1 <= len(name) <= 128:
            return web.json_response({"ok": False, "error_code": 400, "description": "Bad Request: TOPIC_NAME_INVALID"}, status=400)
        thread = next(self._thread_ids)
        self.topics[(chat_id, thread)] = Topic(chat_id, thread, name, params.get("icon_color"))  # type: ignore[arg-type]
        return {"message_thread_id": thread, "name": name, "icon_color": params.get("icon_color") or 7322096}

    def _topic_of(self, params: dict[str, Any]) -> Topic | web.Response:
        topic = self.topics.get((params.get("chat_id"), params.get("message_thread_id")))  # type: ignore[arg-type]
        if topic is None or topic.deleted:
            return web.json_response({"ok": False, "error_code": 400, "description": "Bad Request: message thread not found"}, status=400)
        return topic

    def _m_editForumTopic(self, params: dict[str, Any]) -> Any:
        topic = self._topic_of(params)
        if isinstance(topic, web.Response):
            return topic
        if params.get("name"):
            topic.name = str(params["name"])
        return True

    def _m_closeForumTopic(self, params: dict[str, Any]) -> Any:
        topic = self._topic_of(params)
        if isinstance(topic, web.Response):
            return topic
        if topic.closed:
            return web.json_response({"ok": False, "error_code": 400, "description": "Bad Request: TOPIC_NOT_MODIFIED"}, status=400)
        topic.closed = True
        return True

    def _m_reopenForumTopic(self, params: dict[str, Any]) -> Any:
        topic = self._topic_of(params)
        if isinstance(topic, web.Response):
            return topic
        if not topic.closed:
            return web.json_response({"ok": False, "error_code": 400, "description": "Bad Request: TOPIC_NOT_MODIFIED"}, status=400)
        topic.closed = False
        return True

    def _m_deleteForumTopic(self, params: dict[str, Any]) -> Any:
        topic = self._topic_of(params)
        if isinstance(topic, web.Response):
            return topic
        topic.deleted = True
        return True

    def _m_getChat(self, params: dict[str, Any]) -> Any:
        chat_id = params.get("chat_id")
        if isinstance(chat_id, int) and chat_id < 0:
            return {"id": chat_id, "type": "supergroup", "title": "Agents", "is_forum": True, "accent_color_id": 0, "max_reaction_count": 11, "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False, "unique_gifts": False, "premium_subscription": False, "gifts_from_channels": False}}
        return {"id": chat_id, "type": "private", "first_name": "Customer", "accent_color_id": 0, "max_reaction_count": 11, "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False, "unique_gifts": False, "premium_subscription": False, "gifts_from_channels": False}}

    def _m_getChatMember(self, params: dict[str, Any]) -> Any:
        user_id = params.get("user_id")
        if user_id == self.bot_id:  # the bot: an admin allowed to manage topics, as the README's "Human hand-off" section asks
            rights = {
                key: True
                for key in (
                    "can_manage_chat", "can_delete_messages", "can_manage_video_chats", "can_restrict_members",
                    "can_change_info", "can_invite_users", "can_post_stories", "can_edit_stories", "can_delete_stories",
                    "can_pin_messages", "can_manage_topics", "can_send_welcome_messages",
                )
            }
            return {"status": "administrator", "user": self._bot_user(), "can_be_edited": False, "is_anonymous": False, "can_promote_members": False, **rights}
        status = self.members.get((params.get("chat_id"), user_id), "left")  # type: ignore[arg-type]
        member: dict[str, Any] = {"status": status, "user": {"id": user_id, "is_bot": False, "first_name": "User"}}
        if status == "kicked":
            member["until_date"] = 0
        if status == "creator":
            member["is_anonymous"] = False
        return member

    def _m_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._message_result(params, message_id=params.get("message_id"))

    def _m_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        result = self._message_result(params, message_id=params.get("message_id"))
        result["text"] = "…"
        return result

    def _m_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        return True

    def _m_sendChatAction(self, params: dict[str, Any]) -> bool:
        return True

    def _m_setMyCommands(self, params: dict[str, Any]) -> bool:
        return True

    def _m_setWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = {"url": params.get("url", ""), "secret_token": params.get("secret_token")}
        return True

    def _m_deleteWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = {}
        return True

    def _m_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"url": self.webhook.get("url", ""), "has_custom_certificate": False, "pending_update_count": 0}

    def _m_close(self, params: dict[str, Any]) -> bool:
        return True

    def _m_logOut(self, params: dict[str, Any]) -> bool:
        return True
