"""Dependencies of the admin API: the runtime, a database session, the caller's token and role checks."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.models import ApiTokenRow
from api.runtime import Runtime, load_snapshot
from api.tokens import authenticate
from knowledge.editing import entries_fingerprint
from knowledge.lexicon import Lexicon
from knowledge.snapshot import Snapshot

# Shown in /docs: how to get a token.
bearer = HTTPBearer(
    auto_error=False,
    description="An API token from `desmigratif token create --role admin|editor|staff --name NAME` "
    "or `POST /api/v1/tokens`, sent as `Authorization: Bearer <token>`.",
)
_UNAUTHENTICATED = {"WWW-Authenticate": "Bearer"}


def get_runtime(request: Request) -> Runtime:
    """The process's runtime, built in the app's lifespan."""
    runtime: Runtime = request.app.state.runtime  # app.state holds Any
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_session(runtime: RuntimeDep) -> Iterator[Session]:
    """A session for one request; whatever was not committed is rolled back when it closes."""
    with Session(runtime.engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def current_token(
    runtime: RuntimeDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> ApiTokenRow:
    """The caller's live token; 401 (with WWW-Authenticate: Bearer) when it is missing, unknown or revoked."""
    if credentials is None or not credentials.credentials:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "send an API token as 'Authorization: Bearer <token>'",
                            headers=_UNAUTHENTICATED)
    # Its own short session: recording the use commits at once and never mixes with the route's transaction.
    with Session(runtime.engine) as session:
        row = authenticate(session, credentials.credentials)
        if row is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "the API token is unknown or revoked",
                                headers=_UNAUTHENTICATED)
        session.expunge(row)
    return row


AnyToken = Annotated[ApiTokenRow, Depends(current_token)]


def require(role: str) -> Callable[[ApiTokenRow], ApiTokenRow]:
    """A dependency that lets `role` (and admin, who may do everything) through, and refuses others with 403."""

    def check(token: AnyToken) -> ApiTokenRow:
        """Let the token through if its role may, else 403."""
        if token.role not in (role, "admin"):
            raise HTTPException(status.HTTP_403_FORBIDDEN,
                                f"this needs the {role} role; the token {token.name!r} has the {token.role} role")
        return token

    check.__name__ = f"require_{role}"
    return check


EditorToken = Annotated[ApiTokenRow, Depends(require("editor"))]
StaffToken = Annotated[ApiTokenRow, Depends(require("staff"))]
AdminToken = Annotated[ApiTokenRow, Depends(require("admin"))]


def role(name: str) -> dict[str, Any]:
    """Route keywords that document who may call it: the `x-role` extension, read by the tests too.

    The role also stands in each route's summary, e.g. "Create an entry (editor)"; admin may do everything.
    """
    return {"openapi_extra": {"x-role": name}}


def publish_changes(session: Session, runtime: Runtime) -> None:
    """Commit a content change and swap the new snapshot into this worker now; others see it on their next poll."""
    session.commit()
    runtime.snapshots.refresh()


class DraftSnapshots:
    """A snapshot with drafts included, for editors trying questions; rebuilt only when any entry changed."""

    def __init__(self, engine: Engine, lexicon: Lexicon) -> None:
        self.engine = engine
        self.lexicon = lexicon
        self._key: tuple[int, int, int] | None = None
        self._snapshot: Snapshot | None = None
        self._lock = threading.Lock()

    def get(self) -> Snapshot:
        """The current drafts-included snapshot."""
        with Session(self.engine) as session:
            key = entries_fingerprint(session)
        with self._lock:
            if self._snapshot is None or key != self._key:
                self._snapshot = load_snapshot(self.engine, lexicon=self.lexicon, include_drafts=True)
                self._key = key
            return self._snapshot


_drafts_lock = threading.Lock()


def get_draft_snapshots(request: Request, runtime: RuntimeDep) -> DraftSnapshots:
    """The app's drafts snapshot cache, made on first use (the engine exists only after start-up)."""
    with _drafts_lock:
        drafts = getattr(request.app.state, "draft_snapshots", None)
        if drafts is None or drafts.engine is not runtime.engine:
            drafts = DraftSnapshots(runtime.engine, runtime.snapshots.lexicon)
            request.app.state.draft_snapshots = drafts
    return drafts


DraftsDep = Annotated[DraftSnapshots, Depends(get_draft_snapshots)]
