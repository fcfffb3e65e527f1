"""Settings the conversation needs, handed down from the entry point (never read from the environment here)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BotSettings:
    """Conversation behaviour: languages, hotline hours and flood limits."""

    default_language: str = "id"
    hotline_hours: str = "Mon-Fri 08:00-16:00 Asia/Jakarta"
    flood_messages: int = 12          # messages allowed per user ...
    flood_window_seconds: float = 60.0  # ... in this many seconds; then one polite notice, then silence
    retention_days: int | None = None  # PURGE_DAYS: told to users by /privasi (None: kept until /hapus)
