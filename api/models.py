"""Database tables of the HTTP face: API tokens."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, DateTime
from sqlmodel import Field, SQLModel

from knowledge.models import utcnow


class ApiTokenRow(SQLModel, table=True):
    """An API token: only its SHA-256 hash is stored; the token itself is shown once."""

    __tablename__ = "api_tokens"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    role: str = Field(max_length=10)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))
    last_used_at: dt.datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    revoked: bool = Field(default=False)
