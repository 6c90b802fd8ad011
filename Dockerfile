# syntax=docker/dockerfile:1
#
# cncf-bot container image.
#
#   docker build -t cncf-bot .
#   docker run --rm -p 3000:3000 \
#     -e SLACK_BOT_TOKEN=xoxb-... -e SLACK_SIGNING_SECRET=... \
#     -e DATABASE_URL=postgresql+psycopg://user:pass@host:5432/cncf \
#     cncf-bot
#
# Other commands use the same image: `cncf-bot potd run`, `cncf-bot db upgrade`.

# Pinned by full version; bump deliberately (and together in both stages).
ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm

# --------------------------------------------------------------------------
# Builder: install the project (built from its own pyproject.toml metadata,
# so knowledge/data/*.yaml ships as package data) and the PostgreSQL driver
# into a self-contained virtualenv. Every dependency has a binary wheel for
# CPython 3.11 on glibc, so no compiler is needed here either.
# --------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot/ bot/
COPY handlers/ handlers/
COPY knowledge/ knowledge/

# A non-editable install builds a wheel from pyproject.toml and installs it.
# psycopg is pinned here because the project metadata does not depend on it
# (SQLite is the default database); production uses postgresql+psycopg://.
RUN pip install --no-cache-dir . "psycopg[binary]==3.3.9" \
    && python -c "import importlib.resources as r, sys; d = r.files('knowledge') / 'data'; n = sum(1 for p in d.iterdir() if p.name.endswith('.yaml')); sys.exit(0 if n else 'knowledge/data/*.yaml missing from the installed package')" \
    && python -c "import psycopg, bot, handlers, knowledge" \
    && test -x /opt/venv/bin/cncf-bot

# --------------------------------------------------------------------------
# Runtime: the same base image, the virtualenv and nothing else.
# --------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

LABEL org.opencontainers.image.title="cncf-bot" \
      org.opencontainers.image.description="A Slack app that answers questions about the CNCF and its projects." \
      org.opencontainers.image.licenses="Apache-2.0"

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PORT=3000 \
    LOG_FORMAT=json

# Fixed, non-root UID/GID 10001 (deploy/k8s relies on it). /app is the
# working directory and is writable by that user, so the SQLite default
# (a file in the working directory) works for a single `docker run`; with
# DATABASE_URL pointing at PostgreSQL nothing is written and the root
# filesystem can be mounted read-only.
RUN groupadd --gid 10001 cncf \
    && useradd --uid 10001 --gid 10001 --no-create-home --no-log-init \
       --home-dir /nonexistent --shell /usr/sbin/nologin cncf \
    && install -d -o 10001 -g 10001 -m 0755 /app

COPY --from=builder /opt/venv /opt/venv

WORKDIR /app
USER 10001:10001

EXPOSE 3000

# No curl in the slim image: probe /healthz with the standard library.
# urlopen raises (exit 1) on connection errors and on HTTP status >= 400.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3000'), timeout=4)"]

CMD ["cncf-bot", "serve"]
