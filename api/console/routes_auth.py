"""Sign-in, sign-out, the first-sign-in password change and the language switch."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from api.console.accounts import (
    IDLE,
    BadPassword,
    SignInRefused,
    change_password,
    end_session,
    sign_in,
    start_session,
)
from api.console.web import (
    LANG_COOKIE,
    LOGIN_CSRF_COOKIE,
    PREFIX,
    ROLE_PAGES,
    SESSION_COOKIE,
    Anyone,
    ConsoleError,
    gettext_of,
    redirect,
    render,
    set_cookie,
    tr,
)
from api.deps import RuntimeDep
from bot.i18n import SUPPORTED

router = APIRouter()
Text = Annotated[str, Form(max_length=300)]


def _safe_next(target: str | None) -> str:
    """Only a console path, never another site (no open redirect)."""
    if target and target.startswith(PREFIX + "/") and not target.startswith("//") and "\\" not in target:
        return target
    return PREFIX


@router.get("")
def home(me: Anyone) -> RedirectResponse:
    """Each role starts on its own page."""
    return redirect("/" + ROLE_PAGES.get(me.user.role, "dashboard"))


def _login_page(request: Request, *, status: int = 200, error: str = "", name: str = "", next_: str = "") -> Response:
    token = secrets.token_urlsafe(24)
    response = render(request, "login.html", None, status=status, login_csrf=token, error=error, name=name,
                      next=_safe_next(next_), title=tr(request, "Sign in"))
    set_cookie(response, request, LOGIN_CSRF_COOKIE, token)
    return response


@router.get("/login")
def login_form(request: Request, next: str = "") -> Response:
    """The sign-in form."""
    return _login_page(request, next_=next)


@router.post("/login")
def login(request: Request, runtime: RuntimeDep, name: Text = "", password: Text = "", csrf: Text = "",
          next: Text = "") -> Response:
    """Check the password; on success start a session (a fresh cookie) and go where the person was headed."""
    _ = gettext_of(request)
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not csrf or not expected or not hmac.compare_digest(csrf.encode(), expected.encode()):
        raise ConsoleError(403, _("The form has expired or did not come from this console. Reload the page and "
                                  "try again."))
    with Session(runtime.engine, expire_on_commit=False) as session:
        try:
            user = sign_in(session, name, password)
        except SignInRefused as refused:
            if refused.retry_after:
                response = _login_page(request, status=429, name=name, next_=next, error=_(
                    "Too many wrong passwords. Wait {seconds} seconds, then try again.").format(
                        seconds=refused.retry_after))
                response.headers["Retry-After"] = str(refused.retry_after)
                return response
            return _login_page(request, status=401, name=name, next_=next, error=_("Wrong name or password."))
        token = start_session(session, user)
        session.commit()
    target = f"{PREFIX}/password" if user.must_change else _safe_next(next)
    response = RedirectResponse(target, status_code=303)
    set_cookie(response, request, SESSION_COOKIE, token, max_age=int(IDLE.total_seconds()) * 16)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path=PREFIX)
    return response


@router.post("/logout")
def logout(request: Request, runtime: RuntimeDep, me: Anyone) -> Response:
    """End this browser's session."""
    with Session(runtime.engine) as session:
        end_session(session, me.token_hash)
        session.commit()
    response = redirect("/login")
    response.delete_cookie(SESSION_COOKIE, path=PREFIX)
    return response


@router.get("/password")
def password_form(request: Request, me: Anyone) -> Response:
    """Change one's password (required after a one-time password)."""
    return render(request, "password.html", me, title=tr(request, "Change your password"))


@router.post("/password")
def password_change(request: Request, runtime: RuntimeDep, me: Anyone, current: Text = "", new: Text = "",
                    again: Text = "") -> Response:
    """Set the new password if the current one is right and the two new ones agree."""
    _ = gettext_of(request)
    error = ""
    if new != again:
        error = _("The two new passwords differ.")
    else:
        with Session(runtime.engine) as session:
            user = session.merge(me.user)
            try:
                change_password(session, user, current=current, new=new)
                session.commit()
            except BadPassword as bad:
                error = _("The password was not changed: {reason}.").format(reason=_(str(bad)))
    if error:
        return render(request, "password.html", me, status=422, error=error, title=_("Change your password"))
    return redirect("/" + ROLE_PAGES.get(me.user.role, "dashboard"), query="changed=1")


@router.get("/lang/{code}")
def switch_language(request: Request, code: str, next: str = "") -> Response:
    """Switch the console's language (a cookie) and go back to the page."""
    response = RedirectResponse(_safe_next(next), status_code=303)
    if code in SUPPORTED:
        set_cookie(response, request, LANG_COOKIE, code, max_age=365 * 24 * 3600)
    return response
