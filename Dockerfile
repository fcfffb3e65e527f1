# syntax=docker/dockerfile:1
# Build stage: install the project and its dependencies into a virtual environment.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/venv
COPY pyproject.toml README.md babel.cfg ./
COPY knowledge ./knowledge
COPY bot ./bot
COPY api ./api
COPY locales ./locales
RUN /opt/venv/bin/pip install .
# Catalogs are compiled from the installed .po files (in memory, at start-up, no manual step);
# compile them here once so a missing or broken catalog fails the build, not the first worker.
WORKDIR /
RUN /opt/venv/bin/python -c "from bot.i18n import load_all; load_all()"

# Runtime stage: only the virtual environment, a non-root user and a data folder.
FROM python:3.11-slim AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    DATABASE_URL=sqlite:////data/desmigratif.db
RUN useradd --uid 10001 --create-home --shell /usr/sbin/nologin app \
    && mkdir /data && chown app:app /data
COPY --from=build /opt/venv /opt/venv
USER 10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
CMD ["desmigratif", "serve", "--host", "0.0.0.0", "--port", "8000"]
