"""Service hours of the hotline staff: HOTLINE_HOURS parsed once (at settings validation) into `Hours`."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_datetime, format_time, get_day_names

DEFAULT_SPEC = "Mon-Fri 08:00-16:00 Asia/Jakarta"
DEFAULT_ZONE = "Asia/Jakarta"
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SPEC = re.compile(
    r"^\s*(?P<d1>[A-Za-z]{3})\s*-\s*(?P<d2>[A-Za-z]{3})\s+(?P<h1>\d{1,2}):(?P<m1>\d{2})\s*-\s*"
    r"(?P<h2>\d{1,2}):(?P<m2>\d{2})(?:\s+(?P<tz>\S+))?\s*$"
)
# Babel locale for each supported language (day names, times), and the zone names people use in Indonesia.
_FORMAT_LOCALE = {"id": "id_ID", "en": "en_GB"}
_ZONE_ABBREVIATION = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}


@dataclass(frozen=True)
class Hours:
    """Days of the week and a daily time range in one time zone, e.g. "Mon-Fri 08:00-16:00 Asia/Jakarta"."""

    days: tuple[int, ...]  # 0 = Monday
    start: dt.time
    end: dt.time
    zone: ZoneInfo
    spec: str = ""
    _texts: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def parse(cls, spec: str) -> Hours:
        """The hours written in `spec`; ValueError (naming the expected shape) for anything else."""
        found = _SPEC.match(spec or "")
        if not found or found["d1"].lower() not in _DAYS or found["d2"].lower() not in _DAYS:
            raise ValueError(f'expected days, times and a zone like "{DEFAULT_SPEC}", got {spec!r}')
        try:
            start = dt.time(int(found["h1"]), int(found["m1"]))
            end = dt.time(int(found["h2"]), int(found["m2"]))
            zone = ZoneInfo(found["tz"] or DEFAULT_ZONE)
        except (ValueError, ZoneInfoNotFoundError) as error:
            raise ValueError(f"not a time or time zone in {spec!r}: {error}") from None
        first, last = _DAYS.index(found["d1"].lower()), _DAYS.index(found["d2"].lower())
        days = tuple(d % 7 for d in range(first, last + 1 if last >= first else last + 8))
        return cls(days, start, end, zone, spec.strip())

    @classmethod
    def coerce(cls, value: object) -> Hours:
        """`value` as Hours: already parsed, or a spec to parse (the settings' validator)."""
        if isinstance(value, Hours):
            return value
        if isinstance(value, str):
            return cls.parse(value)
        raise ValueError("HOTLINE_HOURS must be text")

    def is_open(self, now: dt.datetime) -> bool:
        """True when staff are on duty at `now`."""
        local = now.astimezone(self.zone)
        return local.weekday() in self.days and self.start <= local.time() < self.end

    def next_opening(self, now: dt.datetime) -> dt.datetime:
        """The next time staff come on duty after `now` (local time of the hours' zone)."""
        local = now.astimezone(self.zone)
        for ahead in range(8):
            day = local.date() + dt.timedelta(days=ahead)
            start = dt.datetime.combine(day, self.start, tzinfo=self.zone)
            if day.weekday() in self.days and start > local:
                return start
        return local  # unreachable: there is at least one day

    def text(self, lang: str) -> str:
        """The hours as people read them in `lang`: "Senin–Jumat 08.00–16.00 WIB" (formatted once per language)."""
        if lang not in self._texts:
            locale = _FORMAT_LOCALE.get(lang, "id_ID")
            names = get_day_names("wide", locale=locale)
            first, last = self.days[0], self.days[-1]
            days = names[first] if first == last else f"{names[first]}–{names[last]}"
            times = f"{format_time(self.start, 'short', locale=locale)}–{format_time(self.end, 'short', locale=locale)}"
            self._texts[lang] = f"{days} {times} {self._zone_name()}"
        return self._texts[lang]

    def opening_text(self, now: dt.datetime, lang: str) -> str:
        """When staff are next on duty, in `lang`: "Senin 08.00 WIB" / "Monday 08:00 WIB"."""
        when = self.next_opening(now)
        locale = _FORMAT_LOCALE.get(lang, "id_ID")
        day = format_datetime(when, "EEEE", locale=locale)
        return f"{day} {format_time(when, 'short', locale=locale)} {self._zone_name()}"

    def _zone_name(self) -> str:
        return _ZONE_ABBREVIATION.get(self.zone.key, self.zone.key)

    def __str__(self) -> str:
        return self.spec


DEFAULT_HOURS = Hours.parse(DEFAULT_SPEC)

__all__ = ["DEFAULT_HOURS", "Hours"]
