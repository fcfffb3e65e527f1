"""Bodies of the editors' and analysts' routes: unanswered queue, feedback, stats, import, countries, lexicon, audit."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    model_validator,
)

from api.schemas.base import (
    SLUG_PATTERN,
    _In,
)
from knowledge.schema import NONBLANK, CountryDoc, EntryDoc

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
