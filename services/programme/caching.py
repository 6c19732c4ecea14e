"""Answers that caches may keep: ``ETag`` (a digest of the body), ``Cache-Control`` and a
``304`` for a client or cache that already holds the same body (``If-None-Match``).

The digest is of the body itself, so an answer changes its tag exactly when its content
changes, whichever process answers and however many unrelated events the store took since.
"""

from __future__ import annotations

import hashlib
from typing import Any

from litestar import Request, Response

CACHE_CONTROL = "public, max-age=60, stale-while-revalidate=300"
"""A minute fresh: a public page under load is served from caches, and a cancellation reaches
every reader within minutes. Afterwards caches revalidate (a 304 costs no body)."""


def entity_tag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _matches(if_none_match: str, tag: str) -> bool:
    candidates = [part.strip() for part in if_none_match.split(",")]
    return "*" in candidates or any(
        candidate.removeprefix("W/") == tag for candidate in candidates)


def not_modified(request: Request[Any, Any, Any], tag: str) -> bool:
    return _matches(request.headers.get("if-none-match", ""), tag)


def tagged(body: bytes, tag: str, media_type: str, headers: dict[str, str] | None = None,
           *, status_code: int = 200) -> Response[bytes]:
    return Response(body, status_code=status_code, media_type=media_type,
                    headers={"ETag": tag, "Cache-Control": CACHE_CONTROL, **(headers or {})})


def cacheable(
    request: Request[Any, Any, Any], body: bytes, media_type: str,
    headers: dict[str, str] | None = None, *, cache_control: str = CACHE_CONTROL,
) -> Response[bytes]:
    """``body`` with its tag and caching headers, or a bodiless 304 if the client has it."""
    tag = entity_tag(body)
    caching = {"ETag": tag, "Cache-Control": cache_control, **(headers or {})}
    if not_modified(request, tag):
        return Response(b"", status_code=304, headers=caching, media_type=media_type)
    return Response(body, media_type=media_type, headers=caching)
