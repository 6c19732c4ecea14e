"""Request bodies of the API: JSON only, decoded strictly into the route's own type.

Litestar decodes a body to plain values and then converts them to the handler's ``data`` type
in msgspec's lax mode, which suits query strings but lets ``"capacity": "5"`` and
``"starts_at": 1700000000`` through, parses any content type as JSON, and lets msgspec's
``UnicodeDecodeError`` (invalid UTF-8) and ``RecursionError`` (nesting deeper than it follows)
escape as 500s. ``JSONRequest`` (the app's ``request_class``) checks a body first, wherever it
is read (the handler, or a guard that looks inside it):

- a body whose ``Content-Type`` is not JSON is a 415;
- one that is no JSON at all (bad UTF-8, too deep, malformed) a 400 naming ``body``;
- one that does not decode strictly into the route's type a 422 naming the field;
- every instant in it must lie within the years 2 to 9998 (``services.platform.instants``), else 422.

The handler then receives the same values Litestar would have given it.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from typing import Any

import msgspec
from litestar import Request
from litestar.exceptions import ValidationException

from services.platform.instants import require_representable
from services.platform.problems import Problem

_AT_PATH = re.compile(r" - at (?:`key` in )?`\$(?P<path>[^`]*)`$")
"""Where msgspec says a value was refused: ``- at `$.a.b``` (a value), or ``- at `key` in
`$.a``` (a key of the mapping at ``a``)."""
_MISSING = re.compile(r"missing required field `(?P<name>[^`]+)`")
_JSON_MEDIA = re.compile(r"^application/([a-z0-9.+-]+\+)?json$")


class JSONRequest(Request[Any, Any, Any]):
    async def json(self) -> Any:
        body = await self.body()
        if body:
            require_json_media_type(self.headers.get("content-type"))
            check_body(body, body_type(self.route_handler))
        return await super().json()


def require_json_media_type(content_type: str | None) -> None:
    media_type = (content_type or "").split(";")[0].strip().lower()
    if not _JSON_MEDIA.match(media_type):
        raise Problem(415, "Unsupported media type",
                      "The body must be JSON, sent as Content-Type: application/json.",
                      errors=[{"field": "Content-Type", "message": "must be application/json"}])


def body_type(route_handler: Any) -> Any:
    """The type of the handler's ``data`` parameter; ``Any`` when it takes none."""
    parameter = route_handler.parsed_fn_signature.parameters.get("data")
    return Any if parameter is None else parameter.annotation


def check_body(body: bytes, target: Any) -> None:
    """Raise the problem with ``body`` as JSON of type ``target``, if it has one."""
    try:
        value = _decoder(target).decode(body)
    except msgspec.ValidationError as error:
        field, message = _field_of(str(error))
        raise ValidationException(detail="Invalid request body",
                                  extra=[{"key": field, "message": message, "source": "body"}])
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as error:
        reason = ("it nests deeper than allowed" if isinstance(error, RecursionError)
                  else "it is not valid UTF-8" if isinstance(error, UnicodeDecodeError)
                  else str(error))
        raise Problem(400, "Malformed JSON", f"The body is not JSON: {reason}.",
                      errors=[{"field": "body", "message": f"not JSON: {reason}"}]) from None
    _check_instants(value, "")


@lru_cache(maxsize=None)
def _decoder(target: Any) -> msgspec.json.Decoder[Any]:
    return msgspec.json.Decoder(target, strict=True)


def _field_of(message: str) -> tuple[str, str]:
    """The field a msgspec error names (``$.recurrence.until`` -> ``recurrence.until``)."""
    at = _AT_PATH.search(message)
    path = at.group("path").lstrip(".") if at else ""
    text = message[: at.start()] if at else message
    missing = _MISSING.search(text)
    if missing:
        path = f"{path}.{missing.group('name')}" if path else missing.group("name")
    return path or "body", text


def _check_instants(value: Any, path: str) -> None:
    if isinstance(value, datetime):
        require_representable(path or "body", value)
    elif isinstance(value, msgspec.Struct):
        for name in value.__struct_fields__:
            _check_instants(getattr(value, name), f"{path}.{name}" if path else name)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for index, item in enumerate(value):
            _check_instants(item, f"{path}[{index}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_instants(item, f"{path}.{key}" if path else str(key))
