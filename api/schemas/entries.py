"""Bodies of the entry, revision and ask routes (the entry itself is knowledge.schema.EntryDoc)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    Field,
    StrictBool,
    model_validator,
)
from pydantic.json_schema import JsonDict

from api.schemas.base import (
    COUNTRY_PATTERN,
    MAX_INT,
    SLUG_PATTERN,
    TEXT_PATTERN,
    IsoDate,
    Lang,
    _In,
)
from knowledge.aspects import ASPECTS
from knowledge.schema import EntryDoc, LanguageText, Source, Status, Topic

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
