"""Request and response bodies of the admin API (design §7.2); the entry itself is knowledge.schema.EntryDoc."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    model_validator,
)
from pydantic.json_schema import JsonDict

from knowledge.aspects import ASPECTS
from knowledge.schema import NONBLANK, CountryDoc, EntryDoc, LanguageText, Source, Status, Topic

MAX_INT = 2**31 - 1  # PostgreSQL's integer: a larger id or version could only be a mistake
Role = Literal["admin", "editor", "staff"]
Lang = Literal["id", "en"]
COUNTRY_PATTERN = r"^[A-Z]{2,3}$"
SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$"
# Printable text without control characters: PostgreSQL refuses NUL, and none belongs in a name.
NAME_PATTERN = r"^[^\x00-\x1f\x7f]+$"
# Any text but NUL, which PostgreSQL's text columns cannot hold.
TEXT_PATTERN = r"^[^\x00]*$"


def _iso_date(value: object) -> object:
    # pydantic also reads "0" or "1700000000" as a Unix time; the schema (format: date) promises YYYY-MM-DD only.
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("a date as YYYY-MM-DD")
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ErrorOut(BaseModel):
    """Every error: `detail` says what to fix (a list of located problems for validation errors)."""

    model_config = ConfigDict(extra="allow")
    detail: str | list[dict[str, Any]]


def error_response(description: str) -> dict[str, Any]:
    """An OpenAPI `responses` item for an error answered with ErrorOut."""
    return {"model": ErrorOut, "description": description}


class ConflictOut(BaseModel):
    """A refused write: the entry moved on, the id is taken, a reference dangles or the entry's state refuses it."""

    model_config = ConfigDict(extra="allow")
    detail: str | list[dict[str, Any]]
    current_version: int | None = None


# ------------------------------------------------------------------------------------------- tokens


class TokenIn(_In):
    """A new API token's name and role."""

    name: str = Field(min_length=1, max_length=100, pattern=NAME_PATTERN)
    role: Role


class TokenOut(BaseModel):
    """An API token as listed: never the token itself."""

    id: int
    name: str
    role: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked: bool


class TokenCreated(TokenOut):
    """A new token: `token` is shown this once and cannot be shown again."""

    token: str


class TokensPage(BaseModel):
    """Every token."""

    data: list[TokenOut]
    count: int


# ------------------------------------------------------------------------------------------ entries


class EntriesPage(BaseModel):
    """One page of entries and how many match in all."""

    data: list[EntryDoc]
    count: int


CLEARABLE = frozenset({"aspect"})  # the entry fields a PATCH may set to null


def _indonesian_stays(schema: JsonDict) -> None:
    # `texts` may remove a language with null, except Indonesian, which every entry needs: its null is refused.
    branches = schema.get("anyOf")
    for branch in branches if isinstance(branches, list) else [schema]:
        item = branch.get("additionalProperties") if isinstance(branch, dict) else None
        options = item.get("anyOf") if isinstance(item, dict) else None
        if isinstance(branch, dict) and isinstance(options, list):
            branch["properties"] = {"id": next(o for o in options if o != {"type": "null"})}


class EntryPatch(_In):
    """A partial update: only the fields given change; `null` for a field means "no change" (every field of an
    entry but `aspect` is required, so none can be cleared); `aspect: null` removes the aspect; `texts` merges per
    language (null removes one)."""

    version: int = Field(ge=1, le=MAX_INT, description="the version this change was made to; stale → 409")
    topic: Topic | None = None
    aspect: str | None = Field(default=None, max_length=20, pattern=r"^[a-z]+$",
                               json_schema_extra={"enum": [*ASPECTS, None]},
                               description="what the entry is about (gaji, syarat…); null removes it")
    countries: list[Annotated[str, Field(pattern=COUNTRY_PATTERN)]] | None = Field(default=None, max_length=60)
    status: Status | None = None
    texts: dict[Lang, LanguageText | None] | None = Field(default=None, json_schema_extra=_indonesian_stays)
    sources: list[Source] | None = Field(default=None, max_length=20)
    reviewed_at: IsoDate | None = None
    review_due: IsoDate | None = Field(default=None, description="after reviewed_at (the one given or stored)")
    related: list[Annotated[str, Field(pattern=SLUG_PATTERN)]] | None = Field(default=None, max_length=3)
    note: str | None = Field(default=None, max_length=500, pattern=TEXT_PATTERN,
                             description="why: stored with the revision")

    @model_validator(mode="after")
    def _own_rules(self) -> EntryPatch:
        # What the change alone gets wrong is a 422; what it gets wrong only with the stored entry is a 409.
        if self.aspect is not None and self.aspect not in ASPECTS:
            raise ValueError(f"unknown aspect {self.aspect!r}; use one of {', '.join(ASPECTS)}")
        if self.texts is not None and "id" in self.texts and self.texts["id"] is None:
            raise ValueError("the Indonesian text ('id') cannot be removed")
        if self.reviewed_at and self.review_due and self.review_due <= self.reviewed_at:
            raise ValueError("review_due must come after reviewed_at")
        return self

    def changes(self) -> dict[str, Any]:
        """The fields the client set, JSON-ready, without `version` and `note`."""
        data = self.model_dump(mode="json", exclude_unset=True)
        data.pop("version", None)
        data.pop("note", None)
        # Only the aspect is optional in an entry, so its null is a real change (remove it); others are "no change".
        return {key: value for key, value in data.items() if value is not None or key in CLEARABLE}


class RevisionOut(BaseModel):
    """One stored state of an entry: who, when, why, and the full entry as it was."""

    number: int
    author: str | None
    note: str | None
    created_at: dt.datetime
    entry: dict[str, Any]


class RevisionsPage(BaseModel):
    """An entry's history, newest first."""

    data: list[RevisionOut]
    count: int


# ---------------------------------------------------------------------------------------------- ask


class AskIn(_In):
    """A question to try against the knowledge, as a worker would ask it."""

    text: str = Field(min_length=1, max_length=1000)
    lang: Lang | None = "id"
    country: str | None = Field(default=None, pattern=COUNTRY_PATTERN,
                                description="the conversation's country context, e.g. TW")
    include_drafts: StrictBool = Field(default=False, description="match drafts too, to test before publishing")


class CandidateOut(BaseModel):
    """An entry the matcher considered, with its score in 0..1."""

    entry_id: str
    score: float


class ButtonOut(BaseModel):
    """A button of a reply."""

    label: str
    payload: str


class ReplyOut(BaseModel):
    """One message the bot would send."""

    text: str
    buttons: list[ButtonOut]


class TurnOut(BaseModel):
    """The turn object of design §7.1."""

    user: str
    decision: Literal["answer", "clarify", "fallback", "menu", "handoff", "emergency", "info"]
    entry_id: str | None
    confidence: float
    candidates: list[CandidateOut]
    replies: list[ReplyOut]


# --------------------------------------------------------------------------------------- unanswered


class UnansweredOut(BaseModel):
    """A group of unanswered questions with the same normalised text; never a user id."""

    id: int
    normalized: str
    lang: str
    count: int
    samples: list[str]
    candidates: list[dict[str, Any]]
    status: str
    resolved_entry_id: str | None
    first_seen: dt.datetime
    last_seen: dt.datetime


class UnansweredPage(BaseModel):
    """One page of the queue and how many items match in all."""

    data: list[UnansweredOut]
    count: int


# Text that is not blank once stripped (the models strip whitespace): at least one other character.
NOT_BLANK_PATTERN = NONBLANK


class ResolveIn(_In):
    """Resolve into an entry (optionally adding the question as its phrasing), or dismiss."""

    # Exactly one of the two ways, as `_one_way` checks, so clients and generated requests know it.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra={"oneOf": [
        {"title": "resolve", "required": ["entry_id"],
         "properties": {"entry_id": {"type": "string"}, "dismiss": {"const": False}}},
        {"title": "dismiss", "required": ["dismiss"],
         "properties": {"entry_id": {"type": "null"}, "dismiss": {"const": True}}},
    ]})

    entry_id: str | None = Field(default=None, pattern=SLUG_PATTERN, max_length=60)
    add_as_phrasing: StrictBool = False
    phrasing: str | None = Field(
        default=None, min_length=1, max_length=300, pattern=NOT_BLANK_PATTERN,
        description="with add_as_phrasing: the phrasing to add, as the editor worded it (default: the first "
                    "sample, whose masked personal data is left out); masked again before it is stored")
    dismiss: StrictBool = False

    @model_validator(mode="after")
    def _one_way(self) -> ResolveIn:
        if self.dismiss and self.entry_id is not None:
            raise ValueError("give either entry_id or dismiss: true, not both")
        if not self.dismiss and self.entry_id is None:
            raise ValueError("give entry_id (the entry that answers it) or dismiss: true")
        return self


class ResolvedOut(BaseModel):
    """The resolved item and, when resolved into an entry, that entry as it is now."""

    item: UnansweredOut
    entry: EntryDoc | None


# ---------------------------------------------------------------------------------------- feedback, stats


class FeedbackOut(BaseModel):
    """👍/👎 counts of one entry."""

    entry_id: str
    helpful: int
    unhelpful: int
    total: int
    helpful_ratio: float


class FeedbackPage(BaseModel):
    """Feedback of every entry that has votes."""

    data: list[FeedbackOut]
    count: int


class TurnStatsOut(BaseModel):
    """Conversation turns by decision, channel and language, and decisions per channel and per language."""

    total: int
    decisions: dict[str, int]
    channels: dict[str, int]
    languages: dict[str, int]
    by_channel: dict[str, dict[str, int]]
    by_language: dict[str, dict[str, int]]


class ReviewStatsOut(BaseModel):
    """Entries whose facts are due for a fresh check (archived ones are left out)."""

    overdue: int = Field(description="entries whose review_due has passed")
    due_within_30_days: int = Field(description="entries due for review today or in the next 30 days")


class DayOut(BaseModel):
    """One day of the per-day series: turns in total, by decision and by channel."""

    day: dt.date
    total: int
    decisions: dict[str, int]
    channels: dict[str, int]


class StatsOut(BaseModel):
    """What editors look at first."""

    content_version: int
    entries: dict[str, int] = Field(description="entries per status")
    review: ReviewStatsOut
    turns: TurnStatsOut
    top_unanswered: list[UnansweredOut]
    least_helpful: list[FeedbackOut]
    feedback: list[FeedbackOut]
    outbox: dict[str, int] = Field(default_factory=dict,
                                   description="outbound messages by status: pending, sending, sent, failed")
    series: list[DayOut] = Field(default_factory=list, description="turns per day from `from` to `to` (default: the "
                                 "last 30 days), days without turns as zeros")


# ------------------------------------------------------------------------------------- import, export


class ProblemOut(BaseModel):
    """One problem of an import, located by file, entry and field."""

    file: str
    kind: str
    entry: str | None
    field: str | None
    message: str


class ImportReportOut(BaseModel):
    """What an import did (or, in a dry run, would do), and every problem found."""

    dry_run: bool
    ok: bool
    imported: bool
    created: list[str]
    updated: list[str]
    unchanged: list[str]
    countries: list[str]
    problems: list[ProblemOut]


# ------------------------------------------------------------------------------- countries, lexicon, audit


class CountriesPage(BaseModel):
    """Every destination country."""

    data: list[CountryDoc]
    count: int


LexiconLang = Literal["id", "en", "jv", "su"]
# Words are read as messages are, letters and digits only (knowledge.normalize.clean): at least one, no NUL.
WORDS_PATTERN = r"^[^\x00]*[^\W_][^\x00]*$"


class LexiconIn(BaseModel):
    """An editor's synonym or slang word: messages with `word` are read as if they said `means`."""

    model_config = ConfigDict(extra="forbid")

    word: str = Field(min_length=1, max_length=100, pattern=WORDS_PATTERN,
                      description="the word or phrase people type, e.g. `gajih` or `jalur belakang` (with at least "
                      "one letter or digit; a word that already means `means`, or a protected one, is a 409)")
    means: str = Field(min_length=1, max_length=200, pattern=WORDS_PATTERN,
                       description="what it means in the words of the content, e.g. `gaji` or `nonprosedural`")
    lang: LexiconLang | None = Field(default=None, description="its language: id, en, jv (Javanese), su (Sundanese)")


class LexiconOut(BaseModel):
    """An editor's lexicon addition."""

    id: int
    key: str
    value: str
    lang: LexiconLang | None = None
    note: str | None
    created_by: str | None
    created_at: dt.datetime


class LexiconPage(BaseModel):
    """Editors' additions and the size of the curated lexicon files they layer over."""

    data: list[LexiconOut]
    count: int
    curated: dict[str, int]


class AuditOut(BaseModel):
    """One audited action."""

    id: int
    actor: str
    action: str
    target: str
    detail: dict[str, Any]
    created_at: dt.datetime


class AuditPage(BaseModel):
    """One page of the audit trail, newest first."""

    data: list[AuditOut]
    count: int

