"""HOTLINE_HOURS: parsed once when the settings are read, then asked whether staff are on duty and shown."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from api.settings import Settings
from bot.hours import DEFAULT_HOURS, Hours

JAKARTA_FRIDAY_1559 = dt.datetime(2026, 11, 27, 8, 59, tzinfo=dt.UTC)  # 15:59 WIB


def test_the_default_is_weekdays_eight_to_four_in_jakarta() -> None:
    assert DEFAULT_HOURS.days == (0, 1, 2, 3, 4)
    assert (DEFAULT_HOURS.start, DEFAULT_HOURS.end) == (dt.time(8), dt.time(16))
    assert DEFAULT_HOURS.zone.key == "Asia/Jakarta"


def test_open_is_decided_in_the_hours_own_zone() -> None:
    assert DEFAULT_HOURS.is_open(JAKARTA_FRIDAY_1559)
    assert not DEFAULT_HOURS.is_open(JAKARTA_FRIDAY_1559 + dt.timedelta(minutes=1))
    assert DEFAULT_HOURS.next_opening(JAKARTA_FRIDAY_1559 + dt.timedelta(minutes=1)).isoformat() == (
        "2026-11-30T08:00:00+07:00")


def test_texts_follow_the_language() -> None:
    assert DEFAULT_HOURS.text("id") == "Senin–Jumat 08.00–16.00 WIB"
    assert DEFAULT_HOURS.text("en") == "Monday–Friday 08:00–16:00 WIB"
    saturday = JAKARTA_FRIDAY_1559 + dt.timedelta(days=1)
    assert DEFAULT_HOURS.opening_text(saturday, "id") == "Senin 08.00 WIB"
    assert DEFAULT_HOURS.opening_text(saturday, "en") == "Monday 08:00 WIB"


def test_a_week_that_wraps_and_another_zone() -> None:
    hours = Hours.parse("sat - tue 09:30-17:00 Asia/Makassar")
    assert hours.days == (5, 6, 0, 1)
    assert hours.text("id") == "Sabtu–Selasa 09.30–17.00 WITA"


def test_settings_parse_the_hours_once_and_refuse_a_shape_they_cannot_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTLINE_HOURS", "Mon-Sun 00:00-23:59 Asia/Jakarta")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert isinstance(settings.hotline_hours, Hours) and settings.bot.hotline_hours is settings.hotline_hours
    assert settings.hotline_hours.days == tuple(range(7))
    for bad in ("by appointment", "Mon-Fri 8-16", "Mon-Fri 25:00-26:00", "Mon-Fri 08:00-16:00 Mars/Olympus"):
        monkeypatch.setenv("HOTLINE_HOURS", bad)
        with pytest.raises(ValidationError, match="hotline_hours"):
            Settings(_env_file=None)  # type: ignore[call-arg]
