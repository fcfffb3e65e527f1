"""Database tables of the HTTP face: API tokens, and the web console's accounts, sessions and pending drafts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from knowledge.models import UTCDateTime, utcnow


class ApiTokenRow(SQLModel, table=True):
    """An API token: only its SHA-256 hash is stored; the token itself is shown once."""

    __tablename__ = "api_tokens"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    role: str = Field(max_length=10)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    last_used_at: dt.datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    revoked: bool = Field(default=False)


class UserRow(SQLModel, table=True):
    """A person's web-console account (api/console): a name, a role and an Argon2id password hash."""

    __tablename__ = "users"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    role: str = Field(max_length=10)
    password_hash: str = Field(max_length=200)
    # Set for a generated one-time password: every page asks for a new password until it is changed.
    must_change: bool = Field(default=False)
    active: bool = Field(default=True)
    failed_logins: int = Field(default=0)
    locked_until: dt.datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    last_login_at: dt.datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class ConsoleSessionRow(SQLModel, table=True):
    """A signed-in browser: the cookie's SHA-256 hash, its CSRF token and when it was last used."""

    __tablename__ = "console_sessions"
    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(index=True)
    csrf: str = Field(max_length=64)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    last_seen: dt.datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class EntryDraftRow(SQLModel, table=True):
    """An edit of a published entry waiting to be published: the whole entry as edited, and the version it edits."""

    __tablename__ = "entry_drafts"
    entry_id: str = Field(primary_key=True, max_length=60)
    base_version: int
    doc: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    author: str = Field(max_length=100)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
