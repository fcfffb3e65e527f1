# syntax=docker/dockerfile:1
# Build stage: install the project and its dependencies into a virtual environment.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/venv
# constraints.txt pins every dependency to the versions of a tested clean install (how to regenerate it:
# its first lines), so the same commit builds the same image.
COPY constraints.txt pyproject.toml README.md babel.cfg ./
COPY knowledge ./knowledge
COPY bot ./bot
COPY api ./api
COPY locales ./locales
RUN /opt/venv/bin/pip install --constraint constraints.txt .
# Catalogs are compiled from the installed .po files (in memory, at start-up, no manual step);
# compile them here once so a missing or broken catalog fails the build, not the first worker.
WORKDIR /
RUN /opt/venv/bin/python -c "from bot.i18n import load_all; load_all()"

# Runtime stage: only the virtual environment, a non-root user and a data folder.
FROM python:3.11-slim AS runtime
# /metrics is served on METRICS_PORT (9100), not on the public port 8000; publish only 8000.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    DATABASE_URL=sqlite:////data/desmigratif.db \
    METRICS_PORT=9100 \
    METRICS_HOST=0.0.0.0
RUN useradd --uid 10001 --create-home --shell /usr/sbin/nologin app \
    && mkdir /data && chown app:app /data
COPY --from=build /opt/venv /opt/venv
USER 10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000
# Liveness: the process answers. Start period: a worker may take tens of seconds to start on a busy host
# (WORKER_HEALTHCHECK_SECONDS, default 60, is how long `serve --workers N` waits for one).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
CMD ["desmigratif", "serve", "--host", "0.0.0.0", "--port", "8000"]
