"""The FastAPI application factory: one composition root for webhooks, the admin API and health."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI

from api import docs, metrics, security
from api.console import mount as console
from api.logs import RequestIdMiddleware, register_secrets
from api.metrics import HttpMetricsMiddleware, _route_templates
from api.routes import admin, health
from api.routes import telegram as telegram_routes
from api.routes import whatsapp as whatsapp_routes
from api.runtime import Runtime, build_runtime, settle_heap
from api.settings import Settings, get_settings

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, *, settle: bool = False) -> FastAPI:
    """Build the app; the runtime (database, snapshot, conversation, channels) starts in the lifespan.

    `settle`: once started, hide what is alive from the garbage collector (`api.runtime.settle_heap`); for
    a serving worker, which keeps all of it for its whole life, not for a test process building many apps.
    """
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The channels, the dispatcher, the outbox and the handoff service, built with all they need; the
        # start-ups (channels first, then the loops that send on them) are entered below.
        runtime = build_runtime(settings)
        app.state.runtime = runtime
        async with AsyncExitStack() as stack:
            for start in runtime.startups:
                await stack.enter_async_context(start(runtime))
            log.info("ready: knowledge version %d", runtime.snapshots.get().version)
            # Resolve route templates once, before concurrent first requests can race to build them.
            _route_templates(app)
            if settle:
                settle_heap()
            yield
        runtime.dispatcher.locks.dispose()
        runtime.engine.dispose()

    app = FastAPI(
        title="Desmigratif Info",
        version="0.1.0",
        summary="Information chatbot for prospective Indonesian migrant workers: webhooks and admin API.",
        lifespan=lifespan,
        docs_url=None,  # served by api.docs with local assets
        redoc_url=None,  # ReDoc would load from a CDN; Swagger UI at /docs covers it
    )
    app.state.settings = settings
    app.include_router(health.router)
    # Channel and admin routers are added here as they exist (one line each).
    app.include_router(telegram_routes.router)
    app.include_router(whatsapp_routes.router)
    admin.install(app)  # /api/v1: admin routes, body-size bounds, error handlers
    docs.install(app)  # /docs with Swagger UI's files from this server
    console.install(app)  # /console: the web console for editors, staff and admins
    security.install(app, settings.cors_allow_origins)  # security headers on every response; CORS closed by default
    app.include_router(metrics.router)  # GET /metrics
    # Outermost last: the request id is set before the request is timed, so the access log line carries it.
    app.add_middleware(HttpMetricsMiddleware)
    app.add_middleware(RequestIdMiddleware)
    register_secrets(secret.get_secret_value() for secret in (
        settings.telegram_bot_token, settings.telegram_webhook_secret, settings.whatsapp_access_token,
        settings.whatsapp_app_secret, settings.whatsapp_verify_token) if secret is not None)
    return app


def app_factory() -> FastAPI:
    """Entry point for `uvicorn --factory api.app:app_factory` (each worker builds its own app)."""
    return create_app(settle=True)


__all__ = ["Runtime", "app_factory", "create_app"]
