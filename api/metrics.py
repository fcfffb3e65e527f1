"""Prometheus metrics (`GET /metrics`): messages, latencies, handoff queue, outbound failures, knowledge.

Counted as things happen (in this process, or across `serve --workers N` through prometheus-client's
multiprocess mode, when PROMETHEUS_MULTIPROC_DIR is set before the workers start):

- `desmigratif_messages_total{channel, decision}` and `desmigratif_message_duration_seconds{channel}`:
  every message through the conversation core (MeteredConversation below; bot/ is not touched);
- `desmigratif_http_request_duration_seconds{method, route, status}`: every HTTP request, by route template;
- `desmigratif_send_failures_total{channel, error}`: replies that could not be delivered (a hook in
  bot/delivery.record_failed_send).

Read from the database or the worker when scraped: `desmigratif_handoff_queue{status}`,
`desmigratif_outbox_messages{status}`, `desmigratif_knowledge_version`, `desmigratif_knowledge_entries`.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, MutableMapping
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy.exc import SQLAlchemyError

from bot.core import Conversation
from bot.delivery import outbox_counts
from bot.messages import IncomingMessage, Turn

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
PREFIX = "desmigratif"
_MESSAGE_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
_HTTP_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
_LABEL = re.compile(r"[A-Za-z0-9_.-]{1,40}")

MESSAGES = Counter(f"{PREFIX}_messages", "Messages through the conversation core, by channel and decision",
                   ["channel", "decision"])
MESSAGE_SECONDS = Histogram(f"{PREFIX}_message_duration_seconds",
                            "Time of one message through the conversation core (state read and write included)",
                            ["channel"], buckets=_MESSAGE_BUCKETS)
HTTP_SECONDS = Histogram(f"{PREFIX}_http_request_duration_seconds", "HTTP request latency by route template",
                         ["method", "route", "status"], buckets=_HTTP_BUCKETS)
SEND_FAILURES = Counter(f"{PREFIX}_send_failures", "Outbound replies that could not be delivered (kept in the "
                        "outbox), by channel and error code", ["channel", "error"])

REJECTED = Counter(f"{PREFIX}_rejected_updates", "Inbound updates acknowledged without handling because they "
                   "can never be handled (a field of the wrong type or too long), by channel and reason",
                   ["channel", "reason"])

access_log = logging.getLogger("api.access")
log = logging.getLogger(__name__)


def label(value: str | None, default: str = "unknown") -> str:
    """A bounded label value: the leading identifier of `value` (so 'RetryAfter(3s)' counts as 'RetryAfter')."""
    match = _LABEL.match(value or "")
    return match.group(0) if match else default


def _route_templates(app: Any) -> dict[int, str]:
    """id(route) -> its full path template (prefixes of included routers too), built once per app."""
    state = getattr(app, "state", None)
    cached: dict[int, str] | None = getattr(state, "route_templates", None) if state is not None else None
    if cached is not None:
        return cached
    templates: dict[int, str] = {}
    try:  # FastAPI >= 0.16x nests included routers; this walks them with their prefixes
        from fastapi.routing import iter_route_contexts

        for context in iter_route_contexts(app.router.routes):
            if context.path_format:
                templates[id(context.original_route)] = context.path_format
    except (ImportError, AttributeError):  # older FastAPI: the routes are flat and carry their full path
        pass
    if state is not None:
        state.route_templates = templates
    return templates


def route_template(scope: Scope) -> str:
    """The matched route's path template, e.g. /api/v1/entries/{entry_id}; "(unmatched)" for a 404."""
    route = scope.get("route")
    if route is None:
        return "(unmatched)"
    app = scope.get("app")
    template = _route_templates(app).get(id(route)) if app is not None else None
    return template or getattr(route, "path_format", None) or getattr(route, "path", None) or "(unmatched)"


class DeliveryCounters:
    """Failed sends and rejected updates as Prometheus counters (a `bot.dispatch.DeliveryMetrics`)."""

    def failed_send(self, channel: str, code: str) -> None:
        """Count a failed send by channel and error code."""
        SEND_FAILURES.labels(label(channel), label(code)).inc()

    def rejected(self, channel: str, reason: str) -> None:
        """Count an update rejected as unhandleable by channel and reason."""
        REJECTED.labels(label(channel), label(reason)).inc()


class MeteredConversation(Conversation):
    """The conversation core, timing and counting every message it handles; returns the same Turn."""

    def handle(self, msg: IncomingMessage) -> Turn:
        """Answer one message, observed."""
        channel = label(msg.channel)
        start = time.perf_counter()
        try:
            turn = super().handle(msg)
        except Exception:
            MESSAGES.labels(channel, "error").inc()
            raise
        finally:
            MESSAGE_SECONDS.labels(channel).observe(time.perf_counter() - start)
        MESSAGES.labels(channel, turn.decision).inc()
        return turn


class HttpMetricsMiddleware:
    """Time every HTTP request under its route template (never the raw path) and log one access line."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, timed."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_observed)
        finally:
            elapsed = time.perf_counter() - start
            method = scope.get("method", "GET")
            method = method if method in _METHODS else "other"
            route = route_template(scope)
            HTTP_SECONDS.labels(method, route, str(status)).observe(elapsed)
            if access_log.isEnabledFor(logging.INFO):
                access_log.info("%s %s %d", method, route, status,
                                extra={"method": method, "route": route, "status": status,
                                       "duration_ms": round(elapsed * 1000, 2)})


class RuntimeCollector:
    """Gauges computed when scraped: handoff queue and outbox from the database, this worker's knowledge."""

    def __init__(self, runtime: Any) -> None:
        self.runtime = runtime

    def collect(self) -> Iterator[Metric]:
        """Yield the gauges; a part that cannot be read is left out (and logged), never a failed scrape."""
        runtime = self.runtime
        if runtime is None:
            return
        try:
            from bot.handoff import queue_counts  # the handoff module is optional for the metrics

            queue = GaugeMetricFamily(f"{PREFIX}_handoff_queue", "Open handoff tickets by status", labels=["status"])
            for status, count in sorted(queue_counts(runtime.engine).items()):
                queue.add_metric([status], count)
            yield queue
        except (ImportError, SQLAlchemyError) as error:
            log.warning("metrics: handoff queue not read: %s", type(error).__name__)
        try:
            outbox = GaugeMetricFamily(f"{PREFIX}_outbox_messages", "Outbound messages in the outbox by status",
                                       labels=["status"])
            for status, count in sorted(outbox_counts(runtime.engine).items()):
                outbox.add_metric([label(status)], count)
            yield outbox
        except SQLAlchemyError as error:
            log.warning("metrics: outbox not read: %s", type(error).__name__)
        holder = runtime.snapshots
        if holder.loaded:
            snapshot = holder.get()
            yield GaugeMetricFamily(f"{PREFIX}_knowledge_version", "Content version of this worker's knowledge "
                                    "snapshot", value=snapshot.version)
            yield GaugeMetricFamily(f"{PREFIX}_knowledge_entries", "Published entries in this worker's knowledge "
                                    "snapshot", value=len(snapshot.entries))


class _Union:
    """Several collectors read as one registry."""

    def __init__(self, *parts: Any) -> None:
        self.parts = parts

    def collect(self) -> Iterator[Metric]:
        for part in self.parts:
            yield from part.collect()


def multiprocess_dir() -> str | None:
    """The multiprocess directory when this process runs as one of several workers."""
    return os.environ.get(MULTIPROC_ENV) or None


def _sources(runtime: Any) -> _Union:
    """This process's metrics (or every worker's, in multiprocess mode) and the scrape-time gauges."""
    if multiprocess_dir():
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        return _Union(registry, RuntimeCollector(runtime))
    return _Union(REGISTRY, RuntimeCollector(runtime))


def exposition(runtime: Any) -> bytes:
    """The metrics text: this process's (or every worker's, in multiprocess mode) plus the scrape-time gauges."""
    return generate_latest(_sources(runtime))


@asynccontextmanager
async def separate_listener(runtime: Any) -> AsyncIterator[None]:
    """Serve the metrics on METRICS_HOST:METRICS_PORT (a thread of this worker) instead of the public port.

    With several workers one of them holds the port (the first to bind; its answer covers every worker in
    multiprocess mode); the others find it taken and leave it. A worker that dies frees it for its successor.
    """
    settings = runtime.settings
    try:
        server, _thread = start_http_server(settings.metrics_port, addr=settings.metrics_host,
                                            registry=_sources(runtime))
    except OSError as error:
        log.debug("metrics port %s not taken by this worker: %s", settings.metrics_port, error)
        yield
        return
    log.info("metrics on http://%s:%s/metrics", settings.metrics_host, settings.metrics_port)
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()


router = APIRouter(tags=["health"])


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    """Prometheus text exposition format (404 here when METRICS_PORT serves it on a port of its own)."""
    if request.app.state.settings.metrics_port is not None:
        raise HTTPException(404, "metrics are served on METRICS_PORT, not on this port")
    runtime = getattr(request.app.state, "runtime", None)
    return Response(exposition(runtime), media_type=CONTENT_TYPE_LATEST)


__all__ = [
    "HTTP_SECONDS",
    "MESSAGES",
    "MESSAGE_SECONDS",
    "SEND_FAILURES",
    "DeliveryCounters",
    "HttpMetricsMiddleware",
    "MeteredConversation",
    "RuntimeCollector",
    "exposition",
    "label",
    "router",
]
