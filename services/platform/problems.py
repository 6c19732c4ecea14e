"""Every error as application/problem+json (RFC 9457), never a stack trace."""

from __future__ import annotations

import logging
import re
from http import HTTPStatus
from typing import Any

import asyncpg
import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi import ResponseSpec
from litestar.status_codes import (
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_500_INTERNAL_SERVER_ERROR,
    HTTP_503_SERVICE_UNAVAILABLE,
)

from events.interface import AppendQueueFull
from services.commands.rejections import Rejection
from services.commands.text import explain

log = logging.getLogger(__name__)

_LINK_PATHS = re.compile(r"\A(/password/|/api/auth/password-reset/)[^/]+")


def loggable_path(path: str) -> str:
    """The path for a log line: a password link's token (it sets a password) left out."""
    return _LINK_PATHS.sub(r"\1[token]", path)


PROBLEM_JSON = "application/problem+json"

# The database going away, seen from a request: refused or reset connections, a timeout, the
# server ending sessions as it shuts down (57P01/57P02) or starts (57P03), and asyncpg's
# InternalClientError, which a pooled connection raises when it is reused just after the
# server ended its session. All are 503 with Retry-After: nothing was acknowledged.
_UNAVAILABLE = (
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
)


class Problem(HTTPException):
    """An error a handler raises on purpose, with extra members for the problem document."""

    def __init__(
        self,
        status_code: int,
        title: str,
        detail: str = "",
        *,
        type_: str = "about:blank",
        headers: dict[str, str] | None = None,
        **members: Any,
    ) -> None:
        super().__init__(status_code=status_code, detail=detail or title, headers=headers)
        self.title = title
        self.type_ = type_
        self.members = members


def problem_response(
    status: int,
    title: str,
    detail: str,
    *,
    type_: str = "about:blank",
    headers: dict[str, str] | None = None,
    **members: Any,
) -> Response[dict[str, Any]]:
    body = {"type": type_, "title": title, "status": status, "detail": detail, **members}
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _validation_errors(exc: ValidationException) -> list[dict[str, Any]]:
    errors = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if isinstance(item, dict):
            field = item.get("key") or item.get("source") or "body"
            errors.append({"field": field, "message": explain(item.get("message", "invalid"))})
    return errors or [{"field": "body", "message": exc.detail}]


def handle_exception(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    if isinstance(exc, Rejection):
        return problem_response(
            exc.status, exc.title, str(exc),
            errors=[{"field": exc.field, "message": exc.message}], **exc.members,
        )
    if isinstance(exc, Problem):
        return problem_response(
            exc.status_code, exc.title, exc.detail, type_=exc.type_, headers=exc.headers, **exc.members
        )
    if isinstance(exc, ValidationException):
        errors = _validation_errors(exc)
        return problem_response(
            exc.status_code if exc.status_code != 400 else HTTP_422_UNPROCESSABLE_ENTITY,
            "Invalid request",
            "; ".join(f"{e['field']}: {e['message']}" for e in errors),
            errors=errors,
        )
    if isinstance(exc, HTTPException):
        title = exc.detail if isinstance(exc.detail, str) else "Error"
        return problem_response(exc.status_code, title, title, headers=exc.headers)
    if isinstance(exc, AppendQueueFull):
        # Shed at once rather than queue for seconds: this process's appends are backed up.
        log.warning("append queue full: %s", exc)
        return problem_response(
            HTTP_503_SERVICE_UNAVAILABLE,
            "Service busy",
            "Too many changes are being stored at this moment; nothing was stored. "
            "Try again in a second.",
            headers={"Retry-After": "1"},
        )
    if isinstance(exc, _UNAVAILABLE):
        log.warning("service unavailable: %s", type(exc).__name__)
        return problem_response(
            HTTP_503_SERVICE_UNAVAILABLE,
            "Service unavailable",
            "The database is not reachable right now; nothing was lost. Try again shortly.",
            headers={"Retry-After": "2"},
        )
    log.exception("unhandled error on %s %s", request.method, loggable_path(request.url.path))
    return problem_response(
        HTTP_500_INTERNAL_SERVER_ERROR, "Internal error", "Something went wrong on our side."
    )


exception_handlers = {Exception: handle_exception}


# The problem documents in the OpenAPI document ---------------------------------------------


class FieldError(msgspec.Struct):
    field: str
    message: str


class ProblemDocument(msgspec.Struct):
    """RFC 9457; a conflict or rejection may add members (e.g. ``conflicts``, ``code``)."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = None


def problem_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """``responses=`` for a route: each status answered as application/problem+json."""
    return {
        status: ResponseSpec(data_container=ProblemDocument, media_type=PROBLEM_JSON,
                             description=HTTPStatus(status).phrase, generate_examples=False)
        for status in statuses
    }


READ_PROBLEMS = problem_responses(400, 401, 403, 404, 422, 503)
"""What a read route may answer besides its success: bad credentials or role, an unknown id,
bad parameters, and the database unreachable or the read model behind ``min_position``."""
WRITE_PROBLEMS = problem_responses(400, 401, 403, 404, 409, 413, 415, 422, 503)
"""The same for a command, its conflicts (409), bodies over the size limit (413) and bodies
that are not JSON (415)."""
