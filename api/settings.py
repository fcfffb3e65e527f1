"""Settings from the environment (design §7.3), read once at the entry points and passed down."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Literal

from pydantic import Field, PlainValidator, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.config import BotSettings
from bot.hours import DEFAULT_HOURS, Hours
from knowledge.db import normalize_url


class Settings(BaseSettings):
    """Every setting of the service; unset channel tokens switch that channel off."""

    model_config = SettingsConfigDict(env_file=".env", env_ignore_empty=True, extra="ignore")

    database_url: str = "sqlite:///desmigratif.db"
    default_language: Literal["id", "en"] = "id"
    telegram_bot_token: SecretStr | None = None
    telegram_mode: Literal["webhook", "polling"] = "webhook"
    telegram_webhook_secret: SecretStr | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    staff_telegram_chat_id: str | None = None
    whatsapp_access_token: SecretStr | None = None
    whatsapp_phone_number_id: str | None = None
    whatsapp_app_secret: SecretStr | None = None
    whatsapp_verify_token: SecretStr | None = None
    # Meta retires each Graph API version about two years after its release (v21.0 ends 21 Jan 2027).
    whatsapp_api_base_url: str = "https://graph.facebook.com/v26.0"
    # The approved template sent instead of a staff reply when the user's last message is over 24 hours old
    # (WhatsApp allows nothing else then); unset = such a reply is refused and staff are told.
    whatsapp_reply_template: str | None = Field(default=None, max_length=512, pattern=r"^[a-z0-9_]+$")
    whatsapp_reply_template_lang: str = Field(default="id", max_length=15, pattern=r"^[A-Za-z]{2,3}(_[A-Za-z0-9]+)?$")
    # Outbound retries on WhatsApp throttling and 5xx: attempts per message and the first backoff delay.
    whatsapp_send_attempts: int = Field(default=4, ge=1, le=10)
    whatsapp_retry_base_seconds: float = Field(default=0.5, ge=0, le=30)
    # Parsed here, once: a shape bot/hours.py cannot read stops the start with a clear message.
    hotline_hours: Annotated[Hours, NoDecode, PlainValidator(Hours.coerce)] = DEFAULT_HOURS
    content_poll_seconds: float = 2.0
    # Human handoff (api/handoff_service.py): remind the staff group of a waiting ticket nobody took after this long
    # (and again every interval), close an active ticket after this long without a message; how often to check.
    handoff_remind_minutes: float = Field(default=15.0, gt=0, le=7 * 24 * 60)
    handoff_idle_close_minutes: float = Field(default=120.0, gt=0, le=30 * 24 * 60)
    handoff_poll_seconds: float = Field(default=1.0, gt=0, le=300)
    # Observability: log lines as JSON objects or text (default: json for `serve`, text for the other
    # commands) and the level (default: info for `serve`, warning otherwise); how often the per-day turn
    # counters are written (they are summed in memory in between; 0 writes every turn at once).
    log_format: Literal["json", "text"] | None = None
    log_level: Literal["debug", "info", "warning", "error"] | None = None
    stats_flush_seconds: float = Field(default=2.0, ge=0, le=300)
    # Hardening (bot/delivery.py, bot/privacy.py): how long a claimed update is protected before a
    # redelivery may take it over (a crashed worker); the outbox retry task; retention; browser origins.
    delivery_lease_seconds: float = Field(default=60.0, gt=0, le=3600)
    outbox_max_attempts: int = Field(default=8, ge=1, le=100)
    outbox_retry_seconds: float = Field(default=30.0, gt=0, le=86_400)
    outbox_poll_seconds: float = Field(default=5.0, gt=0, le=3600)
    purge_days: int | None = Field(default=None, ge=1, le=3650)
    cors_allow_origins: str = ""  # comma-separated origins allowed to call the API from a browser; empty = none
    # Operations: /metrics on its own port (not the public one) when set; how long `serve --workers N` waits
    # for a starting worker to answer uvicorn's health check (importing the app can take seconds under load).
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    metrics_host: str = "127.0.0.1"
    worker_healthcheck_seconds: int = Field(default=60, ge=5, le=600)

    @field_validator("database_url")
    @classmethod
    def _driver(cls, value: str) -> str:
        return normalize_url(value)

    @property
    def bot(self) -> BotSettings:
        """The part of the settings the conversation needs."""
        return BotSettings(default_language=self.default_language, hotline_hours=self.hotline_hours,
                           retention_days=self.purge_days)

    @property
    def whatsapp_enabled(self) -> bool:
        """WhatsApp is on only when all four of its settings are present."""
        return all(
            (self.whatsapp_access_token, self.whatsapp_phone_number_id, self.whatsapp_app_secret,
             self.whatsapp_verify_token)
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read from the environment once."""
    return Settings()
