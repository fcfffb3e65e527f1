"""Add the console to the app: its pages, its static files, its error pages and its Content-Security-Policy."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from api.console import (
    routes_admin,
    routes_auth,
    routes_dashboard,
    routes_entries,
    routes_inbox,
    routes_io,
    routes_synonyms,
    routes_unanswered,
)
from api.console.web import PREFIX, ConsoleError, MustChangePassword, NotSignedIn, render, tr
from api.middleware import IMPORT_LIMIT, BodyLimit
from api.security import ASGIApp, Message, Receive, Scope, Send

# Pages load their one script and one stylesheet from this server; forms post only here; nothing inline.
CONSOLE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
STATIC = Path(__file__).parent / "static"
ROUTE_MODULES = (routes_auth, routes_entries, routes_unanswered, routes_io, routes_synonyms, routes_inbox,
                 routes_dashboard, routes_admin)


class ConsoleHeaders:
    """Console responses get the console's CSP (the app's strict one forbids forms) and are never cached."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the headers to console responses."""
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not (path == PREFIX or path.startswith(PREFIX + "/")):
            await self.app(scope, receive, send)
            return
        extra = [(b"content-security-policy", CONSOLE_CSP.encode())]
        if not path.startswith(PREFIX + "/static/"):
            extra.append((b"cache-control", b"no-store"))

        async def decorated(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, decorated)


def _wants_page(request: Request) -> bool:
    return request.method == "GET" and "x-csrf-token" not in request.headers and \
        request.headers.get("x-requested-with") != "console"


async def _not_signed_in(request: Request, _error: Exception) -> Response:
    if _wants_page(request):
        return RedirectResponse(f"{PREFIX}/login?next={request.url.path}", status_code=303)
    return JSONResponse({"detail": "sign in first"}, status_code=401)


async def _must_change(request: Request, _error: Exception) -> Response:
    if _wants_page(request):
        return RedirectResponse(f"{PREFIX}/password", status_code=303)
    return JSONResponse({"detail": "change your one-time password first"}, status_code=403)


async def _refused(request: Request, error: Exception) -> Response:
    status = error.status if isinstance(error, ConsoleError) else 400
    message = error.message if isinstance(error, ConsoleError) else str(error)
    if request.headers.get("x-requested-with") == "console":
        return HTMLResponse(f'<p class="error" role="alert">{_escape(message)}</p>', status_code=status)
    return render(request, "error.html", None, status=status, message=message,
                  title=tr(request, "Not possible"))


def _escape(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))


def install(app: FastAPI) -> None:
    """Mount the console under /console (pages, static files, error pages, headers)."""
    for module in ROUTE_MODULES:
        app.include_router(module.router, prefix=PREFIX, include_in_schema=False)
    app.mount(f"{PREFIX}/static", StaticFiles(directory=STATIC), name="console-static")
    app.add_exception_handler(NotSignedIn, _not_signed_in)
    app.add_exception_handler(MustChangePassword, _must_change)
    app.add_exception_handler(ConsoleError, _refused)
    app.add_middleware(ConsoleHeaders)
    # Forms are small; an import upload (and its confirm form, which carries the parsed document) may be larger.
    app.add_middleware(BodyLimit, prefix=PREFIX, larger={f"{PREFIX}/import": IMPORT_LIMIT + 64 * 1024,
                                                         f"{PREFIX}/import/apply": 3 * IMPORT_LIMIT})
