"""API tokens: random, shown once, stored as a SHA-256 hash, compared in constant time, revocable."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from sqlmodel import Session, col, select

from api.models import ApiTokenRow
from knowledge.editing import NotFound, audit
from knowledge.models import utcnow

ROLES = ("admin", "editor", "staff")
TOKEN_PREFIX = "dmi_"  # lets secret scanners and people recognise a leaked token
# Recording every use would turn each read into a write; a minute's precision is enough to spot dead tokens.
TOUCH_EVERY = dt.timedelta(seconds=60)


def hash_token(token: str) -> str:
    """The stored form of a token: its SHA-256 hex digest."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def create_token(session: Session, *, name: str, role: str, actor: str) -> tuple[ApiTokenRow, str]:
    """Create a token; returns the row and the token itself, which is never stored and cannot be shown again."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiTokenRow(name=name, role=role, token_hash=hash_token(token))
    session.add(row)
    session.flush()
    audit(session, actor=actor, action="token.create", target=f"token:{row.id}", detail={"name": name, "role": role})
    return row, token


def authenticate(session: Session, token: str) -> ApiTokenRow | None:
    """The live token row for `token`, or None; records the use (at most once a minute)."""
    digest = hash_token(token)
    row = session.exec(select(ApiTokenRow).where(ApiTokenRow.token_hash == digest)).first()
    # The lookup is by hash, so timing reveals nothing about the token; the digest is still compared in
    # constant time so the check does not rest on the database's string comparison.
    if row is None or row.revoked or not hmac.compare_digest(row.token_hash, digest):
        return None
    now = utcnow()
    last = row.last_used_at
    if last is None or now - last >= TOUCH_EVERY:
        row.last_used_at = now
        session.add(row)
        session.commit()
        session.refresh(row)
    return row


def list_tokens(session: Session) -> list[ApiTokenRow]:
    """Every token (never the token itself), oldest first."""
    return list(session.exec(select(ApiTokenRow).order_by(col(ApiTokenRow.id))).all())


def revoke_token(session: Session, token_id: int, *, actor: str) -> ApiTokenRow:
    """Revoke a token for good; revoking twice is harmless."""
    row = session.get(ApiTokenRow, token_id)
    if row is None:
        raise NotFound(f"no token {token_id}")
    if not row.revoked:
        row.revoked = True
        session.add(row)
        audit(session, actor=actor, action="token.revoke", target=f"token:{token_id}", detail={"name": row.name})
    session.flush()
    return row
