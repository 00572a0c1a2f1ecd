"""One typed settings object, read from the environment (and an optional `.env`).

Every default works on a laptop: SQLite under `data/`, the demo knowledge base,
the console channel when no Telegram token is set.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

Language = Literal["zh-Hans", "zh-Hant", "en"]
LANGUAGES: tuple[Language, ...] = ("zh-Hans", "zh-Hant", "en")


STAFF_TOKEN_MIN = 16
# PostgreSQL connection pool per instance (DATABASE_POOL_SIZE / DATABASE_MAX_OVERFLOW; see Settings).
DATABASE_POOL_SIZE = 30
DATABASE_MAX_OVERFLOW = 0
# Settings never repeated in an error message: their values are secrets.
SECRET_FIELDS = frozenset({"BOT_TOKEN", "WEBHOOK_SECRET", "TWILIO_AUTH_TOKEN", "SMS_WEBHOOK_SECRET", "STAFF_API_TOKEN"})


class SettingsError(Exception):
    """A setting has a bad value; the message is one line naming it."""


class Settings(BaseSettings):
    """Everything an operator can change without touching code."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    knowledge_dir: Path = Path("knowledge")
    database_url: str = "sqlite+aiosqlite:///data/supportbot.db"
    # PostgreSQL: ask the server before every transaction whether a pooled connection still works
    # (three round trips each time). Only for networks that drop idle connections without a word (a NAT
    # or proxy timeout); a restarted server is noticed without it.
    database_pre_ping: bool = False
    # PostgreSQL: connections each instance keeps open, and how many more it may open for a burst (closed
    # again when they come back: each one opened costs a server process and its caches and prepared
    # statements built again, so the default keeps them all: an overflow of 10 over 20 opened 535
    # connections in one load-benchmark phase, about 2.5 ms of CPU a message in all; README, "The eighth
    # machine"). Size + overflow, times the instances, must stay under the server's max_connections
    # (100 by default).
    database_pool_size: int = Field(default=DATABASE_POOL_SIZE, ge=1, le=1000)
    database_max_overflow: int = Field(default=DATABASE_MAX_OVERFLOW, ge=0, le=1000)
    brand_name: str = "Acme Care"
    default_language: Language = "zh-Hans"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # "text" for people at a terminal; "json" for a log collector: one JSON object per line, with the
    # conversation id and no personal data (phone numbers and IMEIs masked).
    log_format: Literal["text", "json"] = "text"
    # Several instances (scale-out): limits, pacing, turn locks and wake-ups they must share live in
    # Redis. Unset: one process keeps them in memory (the embedded default needs no Redis).
    redis_url: str | None = None
    # Service centres, office hours and "working days" are reckoned in this zone.
    timezone: str = "Asia/Shanghai"

    # Matching. None means "calibrate from the knowledge base at load time".
    match_threshold: float | None = Field(default=None, ge=0.0, le=1.0)
    # Trained matchers are cached here, keyed by the knowledge base's content and the matcher's code, so a
    # restart or a second instance with unchanged knowledge loads instead of training. Unset: a
    # model-cache directory next to the SQLite database (data/model-cache); "off": no cache.
    model_cache_dir: str | None = None
    # Consecutive low-confidence turns before the bot hands the conversation to a person.
    handoff_after_low_confidence: int = Field(default=2, ge=1, le=10)
    # Messages longer than this are not matched, they get a polite "too long" reply (and a person).
    max_message_chars: int = Field(default=2000, ge=100)

    # Telegram (issue: Telegram channel).
    bot_token: str | None = None
    telegram_api_url: str = "https://api.telegram.org"
    webhook_url: str | None = None
    webhook_secret: str | None = None
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    flood_limit_per_minute: int = Field(default=20, ge=1)

    # Human hand-off: the agents' Telegram supergroup (with topics) and who may act in it.
    agents_chat_id: int | None = None
    agent_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)  # AGENT_IDS=111,222
    # Supervisors mentioned in the agents' chat when a repair passes the policy's days (bot/repairs/promises.py).
    supervisor_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)  # SUPERVISOR_IDS=111,222
    # Language of the bot's own lines in the agents' chat (cards, /queue, /stats); default DEFAULT_LANGUAGE.
    agents_language: Language | None = None
    # Telegram allows about 20 messages a minute into one group: the agents' chat outbox keeps to this.
    agents_messages_per_minute: int = Field(default=20, ge=1, le=60)
    # One turn whose best match confidence is more than this under the threshold hands off at once
    # (unset: only HANDOFF_AFTER_LOW_CONFIDENCE turns in a row do). Off-topic chit-chat scores near 0 too.
    handoff_far_below: float | None = Field(default=None, ge=0.0, le=1.0)
    # Service levels, in staffed (office-hours) minutes: first answer of a person; urgent (complaint,
    # anger) first answer; an assigned conversation whose customer waits for the agent's reply.
    handoff_sla_minutes: int = Field(default=15, ge=1)
    handoff_urgent_sla_minutes: int = Field(default=5, ge=1)
    handoff_reply_sla_minutes: int = Field(default=10, ge=1)
    # An overdue escalation is announced again to the agents at most this often.
    handoff_reannounce_minutes: int = Field(default=10, ge=1)
    # While a customer waits for a person (or for a late agent's reply), the bot acknowledges their
    # messages at most this often; anger is answered at once (see bot/handoff/acks.py).
    handoff_ack_minutes: int = Field(default=5, ge=1)

    # SMS (Twilio, or any gateway posting JSON with an HMAC signature).
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_from_number: str | None = None
    twilio_api_url: str = "https://api.twilio.com"
    public_url: str | None = None  # the public base URL the gateway calls, to rebuild the signed URL
    sms_webhook_secret: str | None = None
    sms_rate_limit_per_hour: int = Field(default=30, ge=1)

    # The service centre's own system changes repair tickets over HTTP (bot/api/tickets.py) with
    # `Authorization: Bearer <STAFF_API_TOKEN>`; unset, there is no staff API. `supportbot serve` runs
    # the HTTP app whenever it is set, beside long polling too.
    staff_api_token: str | None = None

    # Web chat (bot/channels/web): the sites that may embed the widget, as
    # WEBCHAT_SITES="demo=http://127.0.0.1:8080 http://localhost:8080;shop=https://shop.example.com"
    # (site key = allowed origins). Identity of the vendor's logged-in users: HMAC-SHA256(secret, user id),
    # refused when WEBCHAT_REQUIRE_IDENTITY is on and the hash is missing or wrong.
    webchat_sites: str = "demo=http://127.0.0.1:8080 http://localhost:8080"
    webchat_identity_secret: str | None = None
    webchat_require_identity: bool = False
    webchat_messages_per_minute: int = Field(default=20, ge=1)
    webchat_max_upload_bytes: int = Field(default=5_000_000, ge=10_000)
    # The agents' web console (bot/web): sessions last this long without use; logins are throttled.
    console_session_hours: int = Field(default=12, ge=1)
    console_login_attempts_per_15min: int = Field(default=5, ge=1)

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("use sqlite+aiosqlite:///path.db or postgresql+asyncpg://user@host/db")
        return value

    @field_validator(
        "bot_token",
        "webhook_url",
        "webhook_secret",
        "agents_chat_id",
        "agents_language",
        "handoff_far_below",
        "twilio_account_sid",
        "twilio_auth_token",
        "twilio_from_number",
        "public_url",
        "sms_webhook_secret",
        "model_cache_dir",
        "redis_url",
        "staff_api_token",
        "webchat_identity_secret",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("agent_ids", "supervisor_ids", mode="before")
    @classmethod
    def _comma_separated_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.strip("[] ").split(",") if part.strip()]
        return value

    @field_validator("staff_api_token")
    @classmethod
    def _long_enough_token(cls, value: str | None) -> str | None:
        # A short token can be guessed; the message never repeats the value (it is a secret).
        if value is not None and (len(value.strip()) < STAFF_TOKEN_MIN or value != value.strip()):
            raise ValueError(f"must be at least {STAFF_TOKEN_MIN} characters, without spaces around it (e.g. `openssl rand -hex 24`)")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("not an IANA time zone such as Asia/Shanghai") from None
        return value


def public_base(settings: Settings) -> str:
    """The address people open (invitation links, the lines `serve` prints): PUBLIC_URL when set, else
    http://HOST:PORT, with 127.0.0.1 when the server listens on every address."""
    if settings.public_url:
        return str(settings.public_url).rstrip("/")
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
    return f"http://{host}:{settings.port}"


TWILIO_SETTINGS = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM_NUMBER")


def missing_twilio_settings(settings: Settings) -> list[str]:
    """The TWILIO_* settings a partial Twilio configuration lacks; [] when all three or none are set."""
    values = (settings.twilio_account_sid, settings.twilio_auth_token, settings.twilio_from_number)
    if all(values) or not any(values):
        return []
    return [name for name, value in zip(TWILIO_SETTINGS, values, strict=True) if not value]


def check_twilio(settings: Settings) -> None:
    """Refuse a partial Twilio configuration (it would silently receive nothing, or send nothing)."""
    missing = missing_twilio_settings(settings)
    if missing:
        raise SettingsError(
            f"Twilio is configured only in part: {' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} "
            'missing (set all three TWILIO_* settings, or none; see README, "SMS" > "1. Connect Twilio")'
        )


def load_settings(**overrides: object) -> Settings:
    """Build the settings, turning a validation error into one readable line per bad setting."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = str(error["loc"][0]).upper() if error["loc"] else "?"
            got = "" if name in SECRET_FIELDS else f" (got {error.get('input')!r})"
            problems.append(f"{name}: {error['msg']}{got}")
        raise SettingsError("bad setting " + "; ".join(problems)) from None
    check_twilio(settings)
    return settings


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return load_settings()
