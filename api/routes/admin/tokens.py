"""API tokens, managed by admins: create (shown once), list, revoke."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from api import tokens
from api.deps import AdminToken, SessionDep, role
from api.routes.admin.common import AUTH_ERRORS, NOT_FOUND
from api.schemas import MAX_INT, TokenCreated, TokenIn, TokenOut, TokensPage

router = APIRouter(prefix="/tokens", tags=["tokens"], responses=AUTH_ERRORS)


NO_STORE = {"Cache-Control": {"description": "`no-store`: the response carries a secret that no cache may keep",
                              "schema": {"type": "string", "const": "no-store"}}}


@router.post("", response_model=TokenCreated, status_code=status.HTTP_201_CREATED,
             responses={201: {"description": "The token, shown this once", "headers": NO_STORE}},
             summary="Create an API token (admin)", **role("admin"))
def create_token(body: TokenIn, session: SessionDep, token: AdminToken, response: Response) -> TokenCreated:
    """Create a token; the response carries it this once (never cached): only its hash is stored."""
    response.headers["Cache-Control"] = "no-store"
    row, secret = tokens.create_token(session, name=body.name, role=body.role, actor=token.name)
    session.commit()
    session.refresh(row)
    return TokenCreated(**TokenOut.model_validate(row, from_attributes=True).model_dump(), token=secret)


@router.get("", response_model=TokensPage, summary="List API tokens (admin)", **role("admin"))
def list_tokens(session: SessionDep, _token: AdminToken) -> TokensPage:
    """Every token with its role and last use; never the token itself."""
    rows = [TokenOut.model_validate(r, from_attributes=True) for r in tokens.list_tokens(session)]
    return TokensPage(data=rows, count=len(rows))


@router.delete("/{token_id}", response_model=TokenOut, responses=NOT_FOUND, summary="Revoke an API token (admin)",
               **role("admin"))
def revoke_token(token_id: Annotated[int, Path(ge=1, le=MAX_INT)], session: SessionDep,
                 token: AdminToken) -> TokenOut:
    """Revoke a token for good: it gets 401 from now on."""
    row = tokens.revoke_token(session, token_id, actor=token.name)
    session.commit()
    session.refresh(row)
    return TokenOut.model_validate(row, from_attributes=True)
