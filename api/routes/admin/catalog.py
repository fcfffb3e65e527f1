"""Read-only views: destination countries and the audit trail (the lexicon has its own router)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import AdminToken, AnyToken, SessionDep, role
from api.routes.admin.common import AUTH_ERRORS, DEFAULT_PAGE, MAX_OFFSET, MAX_PAGE
from api.schemas import TEXT_PATTERN, AuditOut, AuditPage, CountriesPage
from knowledge import editing
from knowledge.store import list_countries

router = APIRouter(responses=AUTH_ERRORS)


@router.get("/countries", response_model=CountriesPage, tags=["countries"], summary="List countries (any)",
            **role("any"))
def countries(session: SessionDep, _token: AnyToken) -> CountriesPage:
    """Every destination country with its names, aliases and card."""
    data = list_countries(session)
    return CountriesPage(data=data, count=len(data))


@router.get("/audit", response_model=AuditPage, tags=["audit"], summary="The audit trail (admin)", **role("admin"))
def audit(
    session: SessionDep,
    _token: AdminToken,
    target: Annotated[str | None, Query(max_length=200, pattern=TEXT_PATTERN, description="e.g. entry:gaji-taiwan")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> AuditPage:
    """Who changed what and when, newest first."""
    rows, count = editing.list_audit(session, target=target, limit=limit, offset=offset)
    return AuditPage(data=[AuditOut.model_validate(r, from_attributes=True) for r in rows], count=count)
