"""What every console page shares: templates, language, the signed-in person, role checks, CSRF, rendering."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlmodel import Session

from api.console.accounts import SignedIn, find_session
from api.deps import RuntimeDep
from bot.i18n import N_, SUPPORTED, format_number, translator

PREFIX = "/console"
SESSION_COOKIE = "dm_session"
LANG_COOKIE = "dm_lang"
LOGIN_CSRF_COOKIE = "dm_login_csrf"
ROLE_PAGES = {"editor": "entries", "staff": "inbox", "admin": "dashboard"}
ROLE_LABELS = {"admin": N_("Admin"), "editor": N_("Editor"), "staff": N_("Staff")}
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


class NotSignedIn(Exception):
    """No live session: pages send the browser to the sign-in form, scripts get 401."""


class MustChangePassword(Exception):
    """The account still has its one-time password."""


class ConsoleError(Exception):
    """A refusal shown as a page (or a short text to the script) with an HTTP status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def lang_of(request: Request) -> str:
    """The console language: the switch's cookie, else Indonesian."""
    lang = request.cookies.get(LANG_COOKIE, "id")
    return lang if lang in SUPPORTED else "id"


def gettext_of(request: Request) -> Callable[[str], str]:
    """The translation function of the request's language."""
    return translator(lang_of(request)).gettext


def tr(request: Request, message: str) -> str:
    """`message` in the request's language (the extraction keyword `tr` finds these for the catalogs)."""
    return translator(lang_of(request)).gettext(message)


def is_https(request: Request) -> bool:
    """True when the browser talks HTTPS to us (directly or through a proxy that says so)."""
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or forwarded == "https"


def set_cookie(response: Response, request: Request, name: str, value: str, *, max_age: int | None = None) -> None:
    """A console cookie: HttpOnly, SameSite=Strict, only under /console, Secure over HTTPS."""
    response.set_cookie(name, value, max_age=max_age, path=PREFIX, httponly=True, samesite="strict",
                        secure=is_https(request))


def _session_of(request: Request, runtime: RuntimeDep, *, touch: bool) -> SignedIn:
    token = request.cookies.get(SESSION_COOKIE, "")
    with Session(runtime.engine, expire_on_commit=False) as session:
        me = find_session(session, token, touch=touch)
        if me is not None:
            session.expunge(me.user)
    if me is None:
        raise NotSignedIn
    if me.user.must_change and request.url.path != f"{PREFIX}/password":
        raise MustChangePassword
    return me


def need(*roles: str, touch: bool = True) -> Callable[..., Coroutine[Any, Any, SignedIn]]:
    """A dependency: the signed-in person if their role is one of `roles` (admin always is); POSTs need the CSRF token."""

    async def check(request: Request, runtime: RuntimeDep) -> SignedIn:
        me = _session_of(request, runtime, touch=touch)
        if roles and me.user.role not in (*roles, "admin"):
            raise ConsoleError(403, tr(request, "Your role may not open this page."))
        if request.method == "POST":
            await check_csrf(request, me.csrf)
        return me

    return check


async def check_csrf(request: Request, expected: str) -> None:
    """Refuse (403) a form or script request whose CSRF token is missing or wrong."""
    sent = request.headers.get("x-csrf-token")
    if sent is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get("csrf")
        sent = value if isinstance(value, str) else None
    if not sent or not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise ConsoleError(403, tr(request, "The form has expired or did not come from this console. "
                                                    "Reload the page and try again."))


Anyone = Annotated[SignedIn, Depends(need())]
Editor = Annotated[SignedIn, Depends(need("editor"))]
Staff = Annotated[SignedIn, Depends(need("staff"))]
Admin = Annotated[SignedIn, Depends(need("admin"))]
StaffPolling = Annotated[SignedIn, Depends(need("staff", touch=False))]


def nav_items(role: str) -> list[tuple[str, str, str]]:
    """(key, path, label msgid) of the menu a role sees."""
    items = [("dashboard", "/dashboard", N_("Dashboard"))]
    if role in ("editor", "admin"):
        items += [("entries", "/entries", N_("Entries")), ("unanswered", "/unanswered", N_("Unanswered")),
                  ("synonyms", "/synonyms", N_("Synonyms")), ("io", "/import", N_("Import and export"))]
    if role in ("staff", "admin"):
        items += [("inbox", "/inbox", N_("Inbox"))]
    if role == "admin":
        items += [("users", "/admin/users", N_("Users")), ("tokens", "/admin/tokens", N_("API tokens")),
                  ("audit", "/admin/audit", N_("Audit log"))]
    return items


def render(request: Request, template: str, me: SignedIn | None = None, *, status: int = 200,
           **context: Any) -> HTMLResponse:
    """A page (or fragment) in the request's language, with the menu, the CSRF token and the hotline hours."""
    lang = lang_of(request)
    runtime = getattr(request.app.state, "runtime", None)
    hours = runtime.settings.hotline_hours if runtime is not None else None
    base = {
        "me": me.user if me else None, "csrf": me.csrf if me else context.pop("login_csrf", ""), "lang": lang,
        "_": translator(lang).gettext, "nav": nav_items(me.user.role) if me else [], "prefix": PREFIX,
        "here": request.url.path, "here_query": quote(str(request.url.path), safe="/"),
        "hotline_hours": hours.text(lang) if hours else "", "number": lambda n: format_number(n, lang),
        "role_labels": ROLE_LABELS,
    }
    return templates.TemplateResponse(request, template, {**base, **context}, status_code=status)


def redirect(path: str, *, query: str = "") -> RedirectResponse:
    """303 to a console path (after a form: the browser GETs it)."""
    return RedirectResponse(f"{PREFIX}{path}" + (f"?{query}" if query else ""), status_code=303)
