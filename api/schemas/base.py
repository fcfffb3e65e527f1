"""Shared pieces of the admin API's bodies: patterns, the strict date, the input base, the error bodies."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
)

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
