"""Bodies of the token routes."""

from __future__ import annotations

import datetime as dt

from pydantic import (
    BaseModel,
    Field,
)

from api.schemas.base import (
    NAME_PATTERN,
    Role,
    _In,
)


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
