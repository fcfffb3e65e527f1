"""The entry and country documents as content files, import/export and the admin API speak them."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonDict

from knowledge.aspects import ASPECTS

TOPICS = ("requirements", "documents", "procedure", "costs", "safety", "country", "programme", "rights")
STATUSES = ("draft", "published", "archived")
LANGUAGES = ("id", "en")
MAX_ANSWER_CHARS = 900
MAX_QUESTION_CHARS = 300
MAX_PHRASINGS = 10
MIN_PHRASINGS_PUBLISHED = 3
SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$")
COUNTRY_CODE_RE = re.compile(r"^[A-Z]{2,3}$")
SOURCE_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
# Blank characters spelled out, as generators of schema-valid text (hypothesis) read a bare \s more narrowly:
# what pydantic's str_strip_whitespace removes (Unicode White_Space), and what Python's str.strip() and re's \s
# remove besides (the separators \x1c-\x1f), for the values the validators below strip or match themselves.
BLANK = r"\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
PY_BLANK = BLANK + r"\x1c-\x1f"
NONBLANK = rf"[^{BLANK}]"
HTTP_URL_RE = re.compile(rf"^https?://[^{PY_BLANK}/]+\.[^{PY_BLANK}]+$")
# The JSON schema states what the validators check, so API clients (and generated requests) know it. Text is
# stripped before its length is checked, so a length counts from the first to the last non-blank character.
def _stripped_length(low: int, blank: str = BLANK) -> JsonDict:
    some = f"[^{blank}]"
    return {"pattern": some if low <= 1 else rf"{some}[\s\S]{{{low - 2},}}{some}"}


_YEAR = r"(?!0000)\d{4}"
SOURCE_DATE_SCHEMA: JsonDict = {"anyOf": [{"type": "string", "format": "date"},
                                {"type": "string", "pattern": rf"^{_YEAR}(-(0[1-9]|1[0-2]))?$"}]}

Topic = Literal["requirements", "documents", "procedure", "costs", "safety", "country", "programme", "rights"]
Status = Literal["draft", "published", "archived"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _no_unix_time(value: object) -> object:
    # pydantic reads a number (or a string of digits) as a Unix time; a date here is written as a date.
    if isinstance(value, int | float) or (isinstance(value, str) and re.fullmatch(r"\s*[-+]?[\d.]+\s*", value)):
        raise ValueError("a date as YYYY-MM-DD (a time as RFC 3339), not a number")
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_no_unix_time)]
IsoDatetime = Annotated[dt.datetime, BeforeValidator(_no_unix_time)]
# A published entry's rules (`EntryDoc._publishable`) in the schema's words.
ENTRY_EXAMPLE: JsonDict = {
    "id": "biaya-taiwan-contoh", "topic": "costs", "aspect": "biaya", "countries": ["TW"], "status": "draft",
    "texts": {"id": {"question": "Berapa biaya kerja ke Taiwan?", "phrasings": ["biaya ke taiwan"],
                     "answer": "Biaya penempatan ke Taiwan diatur pemerintah; tanyakan rinciannya di BP3MI terdekat."}},
    "sources": [{"url": "https://bp2mi.go.id/", "title": "BP2MI", "date": "2026-01"}],
    "reviewed_at": "2026-11-20", "review_due": "2027-05-20", "related": [],
}
PUBLISHED_SCHEMA: JsonDict = {
    "examples": [ENTRY_EXAMPLE],
    "if": {"properties": {"status": {"const": "published"}}, "required": ["status"]},
    "then": {"required": ["sources"], "properties": {
        "sources": {"minItems": 1},
        "texts": {"required": ["id", "en"], "properties": {
            "id": {"required": ["phrasings"], "properties": {"phrasings": {"minItems": MIN_PHRASINGS_PUBLISHED}}}}}}},
}


def source_date_parts(value: str) -> tuple[int, int | None, int | None]:
    """Split a source date ("2026", "2026-01" or "2026-01-06") into year, month and day (None when unknown)."""
    match = SOURCE_DATE_RE.match(value)
    if not match:
        raise ValueError(f"{value!r} is not a date: use YYYY, YYYY-MM or YYYY-MM-DD")
    year = int(match.group(1))
    month, day = (int(part) if part else None for part in match.groups()[1:])
    try:
        dt.date(year, month or 1, day or 1)
    except ValueError as error:
        raise ValueError(f"{value!r} is not a real date ({error})") from None
    return year, month, day


def _as_source_date(value: object) -> object:
    """Accept a date as well as text; a bare year arrives from YAML as a number."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _checked_source_date(value: str) -> str:
    source_date_parts(value)
    return value


# A source's own date, only as precise as the source is: a day is never invented to fill "YYYY-MM" (C9).
SourceDate = Annotated[
    str,
    BeforeValidator(_as_source_date),
    AfterValidator(_checked_source_date),
    # No examples of its own: a whole entry's example shows one, and schemathesis builds bodies from field examples.
    Field(description="the source's own date: YYYY, YYYY-MM or YYYY-MM-DD (e.g. 2026-01 or 2025-11-20)",
          json_schema_extra=SOURCE_DATE_SCHEMA),
]


class Source(_Strict):
    """Where a fact comes from: the page, its title and its own date (None when the page is undated)."""

    url: str = Field(min_length=8, max_length=2000, json_schema_extra={"pattern": HTTP_URL_RE.pattern})
    title: str = Field(min_length=1, max_length=300, json_schema_extra=_stripped_length(1))
    date: SourceDate | None = None

    def date_key(self) -> tuple[int, int, int]:
        """A sort key: newer sources sort higher; an undated source sorts lowest."""
        if self.date is None:
            return (0, 0, 0)
        year, month, day = source_date_parts(self.date)
        return (year, month or 0, day or 0)

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not HTTP_URL_RE.match(value):
            raise ValueError("must be an http(s) URL")
        return value


class LanguageText(_Strict):
    """An entry's question, phrasings and answer in one language."""

    question: str = Field(min_length=3, max_length=MAX_QUESTION_CHARS, json_schema_extra=_stripped_length(3))
    phrasings: list[str] = Field(default_factory=list, max_length=MAX_PHRASINGS, json_schema_extra={
        "items": {"type": "string", "maxLength": MAX_QUESTION_CHARS, **_stripped_length(1, PY_BLANK)}})
    answer: str = Field(min_length=10, max_length=MAX_ANSWER_CHARS, json_schema_extra=_stripped_length(10))

    @field_validator("phrasings")
    @classmethod
    def _phrasings_not_blank(cls, value: list[str]) -> list[str]:
        cleaned = [p.strip() for p in value]
        if any(not p or len(p) > MAX_QUESTION_CHARS for p in cleaned):
            raise ValueError(f"every phrasing needs 1 to {MAX_QUESTION_CHARS} characters")
        return cleaned


class EntryDoc(_Strict):
    """One knowledge entry (design §4 and §7.2)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra=PUBLISHED_SCHEMA)

    # The slug rule is checked by `_slug` (with a readable message); the schema states it for API clients.
    id: str = Field(json_schema_extra={"pattern": SLUG_RE.pattern, "minLength": 1, "maxLength": 60})
    topic: Topic
    aspect: str | None = Field(default=None, json_schema_extra={"enum": [*ASPECTS, None]})  # what it is about
    countries: list[str] = Field(default_factory=list, json_schema_extra={
        "items": {"type": "string", "pattern": COUNTRY_CODE_RE.pattern}})
    status: Status = "draft"
    version: int = Field(default=1, ge=1)
    texts: dict[str, LanguageText] = Field(json_schema_extra={"propertyNames": {"enum": list(LANGUAGES)},
                                                              "required": ["id"]})
    sources: list[Source] = Field(default_factory=list)
    reviewed_at: IsoDate
    review_due: IsoDate = Field(description="after reviewed_at")
    related: list[str] = Field(default_factory=list, max_length=3, description="other entries' ids, not its own",
                               json_schema_extra={"items": {"type": "string", "pattern": SLUG_RE.pattern}})
    updated_by: str | None = None
    updated_at: IsoDatetime | None = None

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SLUG_RE.match(value):
            raise ValueError("must be a slug: lower-case letters, digits and '-', at most 60 characters")
        return value

    @field_validator("aspect")
    @classmethod
    def _aspect(cls, value: str | None) -> str | None:
        if value is not None and value not in ASPECTS:
            raise ValueError(f"unknown aspect {value!r}; use one of {', '.join(ASPECTS)}")
        return value

    @field_validator("countries")
    @classmethod
    def _codes(cls, value: list[str]) -> list[str]:
        for code in value:
            if not COUNTRY_CODE_RE.match(code):
                raise ValueError(f"{code!r} is not a country code (two or three capital letters)")
        return value

    @field_validator("texts")
    @classmethod
    def _languages(cls, value: dict[str, LanguageText]) -> dict[str, LanguageText]:
        unknown = sorted(set(value) - set(LANGUAGES))
        if unknown:
            raise ValueError(f"unknown language {unknown[0]!r}; use one of {', '.join(LANGUAGES)}")
        if "id" not in value:
            raise ValueError("the Indonesian text ('id') is required")
        return value

    @model_validator(mode="after")
    def _publishable(self) -> EntryDoc:
        if self.review_due <= self.reviewed_at:
            raise ValueError("review_due must come after reviewed_at")
        if self.id in self.related:
            raise ValueError("an entry cannot be related to itself")
        if self.status == "published":
            if "en" not in self.texts:
                raise ValueError("a published entry needs an English text ('en')")
            if not self.sources:
                raise ValueError("a published entry needs at least one source")
            if len(self.texts["id"].phrasings) < MIN_PHRASINGS_PUBLISHED:
                raise ValueError(f"a published entry needs at least {MIN_PHRASINGS_PUBLISHED} Indonesian phrasings")
        return self

    def text(self, lang: str) -> LanguageText:
        """Return the text in `lang`, falling back to Indonesian."""
        return self.texts.get(lang) or self.texts["id"]


# Digits, spaces and '-', optionally after '+': "999", "1800 339 5505", "+60 17-668 8032".
PhoneNumber = Annotated[str, StringConstraints(pattern=r"^\+?[0-9][0-9 -]{1,22}[0-9]$")]


def _needs_indonesian(value: dict[str, str]) -> dict[str, str]:
    unknown = sorted(set(value) - set(LANGUAGES))
    if unknown:
        raise ValueError(f"unknown language {unknown[0]!r}; use one of {', '.join(LANGUAGES)}")
    if "id" not in value or any(not v.strip() for v in value.values()):
        raise ValueError("the Indonesian text ('id') is required and no text may be blank")
    return value


# Texts by language as `_needs_indonesian` checks them: Indonesian and English only, Indonesian given, none blank.
_TEXTS_SCHEMA: JsonDict = {"propertyNames": {"enum": list(LANGUAGES)}, "additionalProperties": {
    "type": "string", "pattern": f"[^{PY_BLANK}]"}}


class EmergencyContact(_Strict):
    """A place to call in an emergency: its name, its number (None when no current one is known), a note."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra={"anyOf": [
        {"required": ["number"], "properties": {"number": {"type": "string"}}},
        {"required": ["note"], "properties": {"note": {"required": ["id"]}}}]})

    name: dict[str, str] = Field(json_schema_extra={**_TEXTS_SCHEMA, "required": ["id"]})
    number: PhoneNumber | None = None
    note: dict[str, str] = Field(default_factory=dict, json_schema_extra={
        **_TEXTS_SCHEMA, "dependentRequired": {"en": ["id"]}})

    @field_validator("name")
    @classmethod
    def _name(cls, value: dict[str, str]) -> dict[str, str]:
        return _needs_indonesian(value)

    @field_validator("note")
    @classmethod
    def _note(cls, value: dict[str, str]) -> dict[str, str]:
        return _needs_indonesian(value) if value else value

    @model_validator(mode="after")
    def _reachable(self) -> EmergencyContact:
        if self.number is None and not self.note:
            raise ValueError("a contact without a number needs a note saying how to reach it")
        return self


class CountryEmergency(_Strict):
    """Who a person in danger in this country calls, in order: police/ambulance, a worker hotline, our office."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra={"anyOf": [
        {"required": ["police"], "properties": {"police": {"type": "string"}}},
        {"required": ["hotlines"], "properties": {"hotlines": {"minItems": 1}}},
        {"required": ["offices"], "properties": {"offices": {"minItems": 1}}}]})

    police: PhoneNumber | None = None
    ambulance: PhoneNumber | None = None  # ambulance and fire, when it differs from the police number
    hotlines: list[EmergencyContact] = Field(default_factory=list)  # the destination's own worker hotlines
    offices: list[EmergencyContact] = Field(default_factory=list)  # Indonesian embassy, consulate or office
    basis: str = Field(min_length=10, max_length=500, json_schema_extra=_stripped_length(10))  # where the numbers come from (fact sheet row, dates)
    sources: list[Source] = Field(default_factory=list)

    @model_validator(mode="after")
    def _something_to_call(self) -> CountryEmergency:
        if not (self.police or self.hotlines or self.offices):
            raise ValueError("an emergency block needs a police number, a hotline or an office")
        return self


class CountryDoc(_Strict):
    """A destination country: names, the aliases people type, the entries of its card, its emergency numbers."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra={"examples": [
        {"code": "TW", "names": {"id": "Taiwan", "en": "Taiwan"}, "aliases": ["taiwan", "formosa"]}]})

    code: str = Field(json_schema_extra={"pattern": COUNTRY_CODE_RE.pattern})
    names: dict[str, str] = Field(json_schema_extra={"required": ["id"]})
    aliases: list[str] = Field(default_factory=list, json_schema_extra={
        "items": {"type": "string", **_stripped_length(2, PY_BLANK)}})
    card: str | None = None
    sections: list[str] = Field(default_factory=list)
    emergency: CountryEmergency | None = None

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        if not COUNTRY_CODE_RE.match(value):
            raise ValueError("must be two or three capital letters")
        return value

    @field_validator("names")
    @classmethod
    def _names(cls, value: dict[str, str]) -> dict[str, str]:
        if "id" not in value:
            raise ValueError("the Indonesian name ('id') is required")
        return value

    @field_validator("aliases")
    @classmethod
    def _aliases(cls, value: list[str]) -> list[str]:
        cleaned = [a.strip().lower() for a in value]
        if any(len(a) < 2 for a in cleaned):
            raise ValueError("every alias needs at least two characters")
        return cleaned

    def name(self, lang: str) -> str:
        """Return the country's name in `lang`, falling back to Indonesian."""
        return self.names.get(lang) or self.names["id"]
