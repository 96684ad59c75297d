# mentormatch: the API server, run against PostgreSQL (see compose.yaml).
#
#   docker build -t mentormatch .
#   docker run -p 8000:8000 -e MENTORMATCH_DATABASE_URL=postgresql://user:pass@host/db mentormatch
#
# On start the container applies the database migrations, then serves on port 8000.
# tests/test_container.py runs this file's COPY and pip steps and its CMD outside Docker.
FROM python:3.11.13-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# A system user without a shell or a home of its own; numeric ids so that
# orchestrators (e.g. Kubernetes runAsNonRoot) can check it is not root.
RUN groupadd --system --gid 10001 mentormatch \
    && useradd --system --uid 10001 --gid mentormatch --no-create-home \
        --home-dir /app --shell /usr/sbin/nologin mentormatch

WORKDIR /app

# The pinned dependencies in a layer of their own: editing the source does not reinstall them.
# Every file is checked against the lock's hashes.
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock

# The source last; the migrations ship inside the service package.
COPY pyproject.toml README.md LICENSE ./
COPY matching/ matching/
COPY service/ service/
RUN pip install --no-cache-dir --no-deps . \
    && rm -rf build ./*.egg-info

USER 10001:10001

ENV MENTORMATCH_HOST=0.0.0.0 \
    MENTORMATCH_PORT=8000 \
    MENTORMATCH_WORKERS=1 \
    MENTORMATCH_LOG_LEVEL=info
EXPOSE 8000

# Liveness of the process (not of the database: /health/ready checks that), with the
# standard library since the slim image has no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('MENTORMATCH_PORT', '8000'), timeout=4)"]

# Exec form, so that docker stop's SIGTERM reaches the server, which then shuts down
# gracefully. `mentormatch serve` migrates the database first, then runs uvicorn with
# MENTORMATCH_HOST, MENTORMATCH_PORT and MENTORMATCH_WORKERS.
CMD ["mentormatch", "serve"]
