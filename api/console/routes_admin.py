"""Admin pages: people's accounts and roles, API tokens, the audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import Response
from sqlmodel import Session

from api.console import accounts
from api.console.web import Admin, ConsoleError, gettext_of, redirect, render, tr
from api.deps import RuntimeDep
from api.tokens import ROLES, create_token, list_tokens, revoke_token
from knowledge import editing

router = APIRouter()
RowId = Annotated[int, Path(ge=1, le=2**31)]
Name = Annotated[str, Form(max_length=100)]
AUDIT_PAGE = 50


@router.get("/admin/users")
def users(request: Request, runtime: RuntimeDep, me: Admin) -> Response:
    """Every account with its role; create one, change a role, switch one off, reset a password."""
    with Session(runtime.engine) as session:
        rows = accounts.list_users(session)
    return render(request, "admin_users.html", me, title=tr(request, "Users and roles"), users=rows,
                  roles=ROLES)


@router.post("/admin/users")
def create_user(request: Request, runtime: RuntimeDep, me: Admin, name: Name = "", role: Name = "") -> Response:
    """Create an account; its one-time password is shown on this page once."""
    _ = gettext_of(request)
    with Session(runtime.engine) as session:
        try:
            row, password = accounts.create_user(session, name=name, role=role, actor=me.user.name)
        except ValueError as error:
            raise ConsoleError(422, str(error)) from None
        session.commit()
        rows = accounts.list_users(session)
    return render(request, "admin_users.html", me, title=_("Users and roles"), users=rows, roles=ROLES,
                  secret=password, secret_for=row.name)


@router.post("/admin/users/{user_id}")
def change_user(request: Request, runtime: RuntimeDep, me: Admin, user_id: RowId, role: Name = "",
                action: Name = "save") -> Response:
    """Change a role, switch an account off or on, or give it a new one-time password."""
    _ = gettext_of(request)
    if user_id == me.user.id and action in ("disable", "save") and (action == "disable" or role != "admin"):
        raise ConsoleError(422, _("You cannot take away your own admin role or switch off your own account."))
    with Session(runtime.engine) as session:
        try:
            if action == "reset":
                password = accounts.reset_password(session, user_id, actor=me.user.name)
                target = accounts.get_user(session, user_id).name
                session.commit()
                return render(request, "admin_users.html", me, title=_("Users and roles"),
                              users=accounts.list_users(session), roles=ROLES, secret=password, secret_for=target)
            accounts.update_user(session, user_id, actor=me.user.name, role=role if action == "save" else None,
                                 active={"disable": False, "enable": True}.get(action))
        except (ValueError, editing.NotFound) as error:
            raise ConsoleError(422, str(error)) from None
        session.commit()
    return redirect("/admin/users")


@router.get("/admin/tokens")
def tokens(request: Request, runtime: RuntimeDep, me: Admin) -> Response:
    """API tokens (for machines): create, see when each was last used, revoke."""
    with Session(runtime.engine) as session:
        rows = list_tokens(session)
    return render(request, "admin_tokens.html", me, title=tr(request, "API tokens"), tokens=rows, roles=ROLES)


@router.post("/admin/tokens")
def create(request: Request, runtime: RuntimeDep, me: Admin, name: Name = "", role: Name = "") -> Response:
    """Create a token; it is shown on this page once."""
    _ = gettext_of(request)
    if not accounts.valid_name(name.strip()) or role not in ROLES:
        raise ConsoleError(422, _("Give the token a name and a role."))
    with Session(runtime.engine) as session:
        _row, token = create_token(session, name=name.strip(), role=role, actor=me.user.name)
        session.commit()
        rows = list_tokens(session)
    return render(request, "admin_tokens.html", me, title=_("API tokens"), tokens=rows, roles=ROLES, secret=token,
                  secret_for=name.strip())


@router.post("/admin/tokens/{token_id}/revoke")
def revoke(request: Request, runtime: RuntimeDep, me: Admin, token_id: RowId) -> Response:
    """Revoke a token for good."""
    with Session(runtime.engine) as session:
        try:
            revoke_token(session, token_id, actor=me.user.name)
        except editing.NotFound as error:
            raise ConsoleError(404, str(error)) from None
        session.commit()
    return redirect("/admin/tokens")


@router.get("/admin/audit")
def audit_log(request: Request, runtime: RuntimeDep, me: Admin,
              page: Annotated[int, Query(ge=1, le=100_000)] = 1) -> Response:
    """Who changed what, and when; newest first."""
    with Session(runtime.engine) as session:
        rows, count = editing.list_audit(session, limit=AUDIT_PAGE, offset=(page - 1) * AUDIT_PAGE)
    return render(request, "admin_audit.html", me, title=tr(request, "Audit log"), rows=rows, page=page,
                  pages=max(1, -(-count // AUDIT_PAGE)))
