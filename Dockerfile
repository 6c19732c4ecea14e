# The Treffpunkt image. Default: the API on port 8000. The same image runs the worker
# (`dramatiq workers.actors --processes 1 --threads 2`) and the one-shot `treffpunkt migrate`;
# compose.yaml wires all three to the standard postgres and redis images.
#
#   docker build -t treffpunkt .

# --- build: the pinned, hash-checked dependencies and the project, in a venv ---------------------
FROM python:3.11-slim AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PATH=/opt/venv/bin:$PATH
RUN python -m venv /opt/venv

WORKDIR /src
# The lock alone first, so that a code change does not reinstall the dependencies.
COPY requirements.lock ./
RUN pip install --require-hashes --no-deps -r requirements.lock

# setuptools comes from the lock, hence no build isolation (and no unpinned download).
COPY pyproject.toml ./
COPY events ./events
COPY projections ./projections
COPY workers ./workers
COPY services ./services
RUN pip install --no-deps --no-build-isolation . \
 && cd / && python -c "import services.platform.cli, workers.actors"

# --- run: the venv only, no sources, no build tools, not root ------------------------------------
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PATH=/opt/venv/bin:$PATH \
    TREFFPUNKT_DATA_DIR=/var/lib/treffpunkt

# The data folder only ever holds the fallback secret_key when TREFFPUNKT_SECRET_KEY is unset
# (compose always sets it: every container must share one secret).
RUN useradd --system --user-group --uid 10001 --home-dir /var/lib/treffpunkt --create-home \
        --shell /usr/sbin/nologin treffpunkt
COPY --from=build /opt/venv /opt/venv

USER treffpunkt
WORKDIR /var/lib/treffpunkt
EXPOSE 8000

# slim has no curl: ask with Python. /health says the process lives; compose checks /ready.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=5 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:' + __import__('os').environ.get('PORT', '8000') + '/health', timeout=2).status != 200)"]

CMD ["sh", "-c", "exec uvicorn services.platform.asgi:app --host 0.0.0.0 --port \"${PORT:-8000}\" --timeout-keep-alive 75"]
