"""Settings from the environment (design §7.3), read once at the entry points and passed down."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.config import BotSettings
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
    whatsapp_api_base_url: str = "https://graph.facebook.com/v21.0"
    # Outbound retries on WhatsApp throttling and 5xx: attempts per message and the first backoff delay.
    whatsapp_send_attempts: int = Field(default=4, ge=1, le=10)
    whatsapp_retry_base_seconds: float = Field(default=0.5, ge=0, le=30)
    hotline_hours: str = "Mon-Fri 08:00-16:00 Asia/Jakarta"
    content_poll_seconds: float = 2.0

    @field_validator("database_url")
    @classmethod
    def _driver(cls, value: str) -> str:
        return normalize_url(value)

    @property
    def bot(self) -> BotSettings:
        """The part of the settings the conversation needs."""
        return BotSettings(default_language=self.default_language, hotline_hours=self.hotline_hours)

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
