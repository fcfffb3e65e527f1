"""Settings the conversation needs, handed down from the entry point (never read from the environment here)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.hours import DEFAULT_HOURS, Hours


@dataclass(frozen=True)
class BotSettings:
    """Conversation behaviour: languages, hotline hours and flood limits."""

    default_language: str = "id"
    hotline_hours: Hours = DEFAULT_HOURS
    # Flood rule (bot/handlers/flood.py, where the numbers are argued): a burst of this many messages ...
    flood_burst: int = 20
    # ... then one message every this many seconds (40 a minute); button taps and feedback never count.
    flood_interval_seconds: float = 1.5
    retention_days: int | None = None  # PURGE_DAYS: told to users by /privasi (None: kept until /hapus)
