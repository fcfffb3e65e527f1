"""HTTP hardening of every response: security headers, and CORS closed unless CORS_ALLOW_ORIGINS opens it.

The API speaks JSON to scripts and the admin tools, never HTML to browsers, so the Content-Security-Policy
forbids everything; only the documentation page (/docs), whose Swagger UI files this app serves itself
(api/docs.py), gets a policy that lets them load: from this server only, with Swagger UI's one inline
start-up script. HSTS is sent only on HTTPS (directly, or as
reported by the proxy in X-Forwarded-Proto), since browsers ignore it over plain HTTP and a laptop serves
plain HTTP.

A 405 names in `Allow` every method the path takes (RFC 9110 §15.5.6). Starlette's router answers 405 from
the first route whose path matched, and FastAPI makes one route per method, so on its own it would list
only that route's method (`GET` for a path that also takes `POST`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import BaseRoute, Match, Mount

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

STRICT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; frame-ancestors 'none'; "
    "base-uri 'self'; form-action 'none'"
)
DOCS_PATHS = ("/docs", "/redoc")
HSTS = "max-age=31536000; includeSubDomains"
BASE_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
)


def _is_https(scope: Scope) -> bool:
    if scope.get("scheme") == "https":
        return True
    for name, value in scope.get("headers", []):
        if name == b"x-forwarded-proto":
            return bool(value.split(b",")[0].strip().lower() == b"https")
    return False


class SecurityHeaders:
    """Add the security headers to every HTTP response (keeping any the route set itself)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; decorate the response start."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        csp = DOCS_CSP if path.rstrip("/") in DOCS_PATHS or path.startswith("/docs/") else STRICT_CSP
        extra = [*BASE_HEADERS, (b"content-security-policy", csp.encode())]
        # As the request came in: routing writes its match (root_path of a mount, path params) into the scope.
        request_scope = dict(scope)
        if _is_https(scope):
            extra.append((b"strict-transport-security", HSTS.encode()))

        async def decorated(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if message.get("status") == 405 and "app" in request_scope:
                    headers = _with_allow(headers, request_scope)
                present = {name.lower() for name, _value in headers}
                headers.extend((name, value) for name, value in extra if name not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, decorated)


METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")  # HEAD and OPTIONS are implied, never listed alone


def takes(routes: list[BaseRoute], scope: Scope) -> bool:
    """Whether some route (inside mounts too) takes the scope's method at its path."""
    for route in routes:
        match, child = route.matches(scope)
        if match != Match.FULL:
            continue
        if not isinstance(route, Mount) or takes(route.routes, {**scope, **child}):
            return True
    return False


def allowed_methods(routes: list[BaseRoute], scope: Scope) -> list[str]:
    """Every method the routes take at the scope's path, asked of each route as the router would."""
    # Only the routes' own matching is asked (FastAPI wraps included routers in private route types).
    request = {key: value for key, value in scope.items() if key != "fastapi"}
    return [method for method in METHODS if takes(routes, {**request, "method": method})]


def _with_allow(headers: list[tuple[bytes, bytes]], scope: Scope) -> list[tuple[bytes, bytes]]:
    methods = allowed_methods(scope["app"].router.routes, scope)
    if not methods:
        return headers
    value = ", ".join(methods).encode()
    return [*(h for h in headers if h[0].lower() != b"allow"), (b"allow", value)]


def allowed_origins(setting: str) -> list[str]:
    """The origins of CORS_ALLOW_ORIGINS (comma-separated); empty means no browser origin may call the API."""
    return [origin.strip().rstrip("/") for origin in setting.split(",") if origin.strip()]


def install(app: FastAPI, cors_allow_origins: str = "") -> None:
    """Add CORS (only when origins are configured) and the security headers (outermost, so errors get them)."""
    origins = allowed_origins(cors_allow_origins)
    if origins:
        app.add_middleware(CORSMiddleware, allow_origins=origins, allow_credentials=False,
                           allow_methods=["GET", "POST", "PATCH", "DELETE"],
                           allow_headers=["Authorization", "Content-Type"], max_age=600)
    app.add_middleware(SecurityHeaders)
