# The Treffpunkt image: the API by default; the worker with `dramatiq workers.actors`.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

COPY requirements.lock pyproject.toml ./
RUN pip install --no-cache-dir --require-hashes --no-deps -r requirements.lock

COPY events ./events
COPY projections ./projections
COPY workers ./workers
COPY services ./services
RUN pip install --no-cache-dir --no-deps --no-build-isolation . \
 && useradd --system --uid 10001 --home-dir /app treffpunkt

USER treffpunkt
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=5 \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=2).status != 200)"
CMD ["uvicorn", "services.asgi:app", "--host", "0.0.0.0", "--port", "8000", "--no-access-log"]
