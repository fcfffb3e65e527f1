"""People's console accounts: Argon2id password hashes, sign-in with throttling, sessions with idle expiry.

A session is a random cookie value; only its SHA-256 hash is stored, beside the session's CSRF token.
Wrong passwords are counted per account: from the fifth in a row the account waits before it may try
again (30 s, doubling, at most 15 min), whatever password comes next.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete
from sqlmodel import Session, col, select

from api.models import ConsoleSessionRow, UserRow
from api.tokens import ROLES
from bot.i18n import N_
from knowledge.editing import NotFound, audit
from knowledge.models import utcnow

IDLE = dt.timedelta(minutes=30)
TOUCH_EVERY = dt.timedelta(seconds=60)  # last_seen precision: a write per minute, not per request
FREE_FAILURES = 4  # the fifth wrong password in a row starts the waiting
FIRST_WAIT = dt.timedelta(seconds=30)
LONGEST_WAIT = dt.timedelta(minutes=15)
MIN_PASSWORD = 10  # the messages below say 10 and 200: change them together
MAX_PASSWORD = 200
_hasher = PasswordHasher()
# Verified when the name is unknown, so a wrong name costs as much time as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password of anyone")


class SignInRefused(Exception):
    """Sign-in failed: a wrong name or password (one message for both), or the account must wait."""

    def __init__(self, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class BadPassword(ValueError):
    """A new password breaks the rules (too short, too long)."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_password_rules(password: str) -> None:
    """Refuse a password people could guess or that is absurdly long."""
    if len(password) < MIN_PASSWORD:
        raise BadPassword(N_("at least 10 characters"))
    if len(password) > MAX_PASSWORD:
        raise BadPassword(N_("at most 200 characters"))


def valid_name(name: str) -> bool:
    """A sign-in name: 1 to 100 printable characters."""
    return 0 < len(name) <= 100 and name.isprintable()


def create_user(session: Session, *, name: str, role: str, actor: str, password: str | None = None
                ) -> tuple[UserRow, str | None]:
    """Create an account; without `password` a one-time password is generated, returned once, and must be changed."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    name = name.strip()
    if not valid_name(name):
        raise ValueError("the name needs 1 to 100 printable characters")
    if session.exec(select(UserRow).where(UserRow.name == name)).first() is not None:
        raise ValueError(f"there is already an account named {name!r}")
    generated = None
    if password is None:
        generated = password = secrets.token_urlsafe(12)
    else:
        check_password_rules(password)
    row = UserRow(name=name, role=role, password_hash=_hasher.hash(password), must_change=generated is not None)
    session.add(row)
    session.flush()
    audit(session, actor=actor, action="user.create", target=f"user:{row.id}", detail={"name": name, "role": role})
    return row, generated


def list_users(session: Session) -> list[UserRow]:
    """Every account, by name."""
    return list(session.exec(select(UserRow).order_by(UserRow.name)).all())


def get_user(session: Session, user_id: int) -> UserRow:
    """One account; NotFound when there is none."""
    row = session.get(UserRow, user_id)
    if row is None:
        raise NotFound(f"no user {user_id}")
    return row


def update_user(session: Session, user_id: int, *, actor: str, role: str | None = None, active: bool | None = None
                ) -> UserRow:
    """Change an account's role or switch it off (its sessions end at once)."""
    row = get_user(session, user_id)
    if role is not None:
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        row.role = role
    if active is not None:
        row.active = active
        if not active:
            end_sessions(session, row.id or 0)
    session.add(row)
    audit(session, actor=actor, action="user.update", target=f"user:{user_id}",
          detail={"role": row.role, "active": row.active})
    session.flush()
    return row


def reset_password(session: Session, user_id: int, *, actor: str) -> str:
    """A new one-time password for an account (shown once; to be changed at the next sign-in)."""
    row = get_user(session, user_id)
    password = secrets.token_urlsafe(12)
    row.password_hash, row.must_change, row.failed_logins, row.locked_until = _hasher.hash(password), True, 0, None
    session.add(row)
    end_sessions(session, user_id)
    audit(session, actor=actor, action="user.reset_password", target=f"user:{user_id}", detail={"name": row.name})
    session.flush()
    return password


def change_password(session: Session, user: UserRow, *, current: str, new: str) -> None:
    """Set a new password after checking the current one; clears the one-time flag."""
    try:
        _hasher.verify(user.password_hash, current)
    except (VerificationError, InvalidHashError):
        raise BadPassword(N_("the current password is wrong")) from None
    if new == current:
        raise BadPassword(N_("choose a password different from the current one"))
    check_password_rules(new)
    user.password_hash, user.must_change = _hasher.hash(new), False
    session.add(user)
    audit(session, actor=user.name, action="user.change_password", target=f"user:{user.id}")
    session.flush()


def _wait_after(failures: int) -> dt.timedelta:
    doublings = max(0, failures - FREE_FAILURES - 1)
    return min(LONGEST_WAIT, FIRST_WAIT * (1 << min(doublings, 10)))  # 2**n, typed as int


def sign_in(session: Session, name: str, password: str) -> UserRow:
    """The account if the password is right; SignInRefused otherwise (with the wait when it is throttled)."""
    now = utcnow()
    row = session.exec(select(UserRow).where(UserRow.name == name.strip())).first() if valid_name(name.strip()) else None
    if row is None or not row.active:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_DUMMY_HASH, password)
        raise SignInRefused("wrong name or password")
    locked = row.locked_until
    if locked is not None and locked > now:
        raise SignInRefused("too many wrong passwords", retry_after=max(1, int((locked - now).total_seconds()) + 1))
    try:
        _hasher.verify(row.password_hash, password)
    except (VerificationError, InvalidHashError):
        row.failed_logins += 1
        if row.failed_logins > FREE_FAILURES:
            row.locked_until = now + _wait_after(row.failed_logins)
        session.add(row)
        session.commit()
        raise SignInRefused("wrong name or password") from None
    if _hasher.check_needs_rehash(row.password_hash):
        row.password_hash = _hasher.hash(password)
    row.failed_logins, row.locked_until, row.last_login_at = 0, None, now
    session.add(row)
    return row


@dataclass(frozen=True)
class SignedIn:
    """The person behind a request: their account and their session's CSRF token."""

    user: UserRow
    csrf: str
    token_hash: str


def start_session(session: Session, user: UserRow) -> str:
    """A new session for `user`; returns the cookie value (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    session.add(ConsoleSessionRow(token_hash=_digest(token), user_id=user.id or 0, csrf=secrets.token_urlsafe(32)))
    session.flush()
    return token


def find_session(session: Session, token: str, *, touch: bool = True) -> SignedIn | None:
    """The live session of a cookie value; an idle one is deleted. `touch=False` (polling) does not keep it alive."""
    if not token or len(token) > 100:
        return None
    row = session.get(ConsoleSessionRow, _digest(token))
    if row is None:
        return None
    now = utcnow()
    last = row.last_seen or now
    user = session.get(UserRow, row.user_id)
    if now - last > IDLE or user is None or not user.active:
        session.delete(row)
        session.commit()
        return None
    if touch and now - last >= TOUCH_EVERY:
        row.last_seen = now
        session.add(row)
        session.commit()
    return SignedIn(user=user, csrf=row.csrf, token_hash=row.token_hash)


def end_session(session: Session, token_hash: str) -> None:
    """Sign out one browser."""
    session.exec(delete(ConsoleSessionRow).where(col(ConsoleSessionRow.token_hash) == token_hash))


def end_sessions(session: Session, user_id: int) -> None:
    """Sign an account out everywhere."""
    session.exec(delete(ConsoleSessionRow).where(col(ConsoleSessionRow.user_id) == user_id))
