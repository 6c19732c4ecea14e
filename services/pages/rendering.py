"""Rendering a page: the template with what every page needs (language, words, who is signed in)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec
from litestar import Request
from litestar.datastructures import Cookie
from litestar.response import Template

from services.pages.i18n import LANGUAGE_COOKIE, LANGUAGES, language_of, translator


def page(
    request: Request[Any, Any, Any],
    template: str,
    shown: msgspec.Struct | None = None,
    *,
    status_code: int = 200,
    cookies: list[Cookie] | None = None,
    headers: Mapping[str, str] | None = None,
    language: str | None = None,
    **context: Any,
) -> Template:
    """The page ``template`` showing ``shown`` (the page's context Struct, its fields the
    template's names) and ``context``, with what every page needs; in ``language`` if given
    (a page about one volunteer, opened from its e-mail), else the request's."""
    if shown is not None:
        context = {**msgspec.structs.asdict(shown), **context}
    language = language or language_of(request)
    cookies = list(cookies or [])
    if request.query_params.get("lang") in LANGUAGES:
        cookies.append(Cookie(key=LANGUAGE_COOKIE, value=language, path="/", samesite="lax",
                              max_age=365 * 24 * 3600))
    user = request.scope.get("user")
    return Template(
        template_name=template,
        context={"lang": language, "t": translator(language), "user": user, **context},
        status_code=status_code,
        cookies=cookies,
        headers={"Cache-Control": "no-store", "Content-Language": language, **(headers or {})},
    )
